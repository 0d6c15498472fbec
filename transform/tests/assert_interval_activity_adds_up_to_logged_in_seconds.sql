-- wfm_agent_interval_activity: per agent and interval, the states add up to the logged-in
-- milliseconds computed independently from the state periods, and never exceed the interval.
-- Checks the agent × intervals the table's newest run wrote: every one after a full build,
-- what changed after an incremental run (so the every-minute adherence job stays cheap).
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}
{%- set activity_table = ref('wfm_agent_interval_activity') %}
{%- set periods = ref('wfm_agent_state_transaction') %}
with as_of as (
    {{ connect_wfm.as_of_ms_query() }}
),

newest_run as (
    select max(_wfm_invocation_id) as invocation_id
    from {{ activity_table }}
    where _wfm_split_written_through = (select max(_wfm_split_written_through) from {{ activity_table }})
),

activity as (
    select
        instance_id,
        agent_id,
        {{ connect_wfm.epoch_ms('interval_start_at') }} as interval_start_ms,
        sum(state_seconds) as state_seconds
    from {{ activity_table }}
    where _wfm_invocation_id = (select invocation_id from newest_run)
    group by instance_id, agent_id, interval_start_at
),

running_starts as (
    -- the start of the period running when each interval starts (the newest one started by
    -- then): one index probe per agent × interval
    select
        a.instance_id,
        a.agent_id,
        a.interval_start_ms,
        (
            select max(u.state_start_ms) from {{ periods }} as u
            where u.instance_id = a.instance_id and u.agent_id = a.agent_id
              and u.state_start_ms <= a.interval_start_ms
        ) as running_start_ms
    from activity as a
),

overlapping as (
    -- that period …
    select r.instance_id, r.agent_id, r.interval_start_ms, t.state_start_ms, t.state_end_ms, t.activity
    from running_starts as r
    inner join {{ periods }} as t
        on t.instance_id = r.instance_id and t.agent_id = r.agent_id and t.state_start_ms = r.running_start_ms
    union all
    -- … and those that start inside the interval (an equality join on the interval number)
    select a.instance_id, a.agent_id, a.interval_start_ms, t.state_start_ms, t.state_end_ms, t.activity
    from activity as a
    inner join {{ periods }} as t
        on t.instance_id = a.instance_id
       and t.agent_id = a.agent_id
       and {{ connect_wfm.int_div('t.state_start_ms', interval_ms) }} = {{ connect_wfm.int_div('a.interval_start_ms', interval_ms) }}
       and t.state_start_ms > a.interval_start_ms
),

clipped as (
    select
        o.instance_id,
        o.agent_id,
        o.interval_start_ms,
        (case when coalesce(o.state_end_ms, s.as_of_ms) < o.interval_start_ms + {{ interval_ms }}
              then coalesce(o.state_end_ms, s.as_of_ms) else o.interval_start_ms + {{ interval_ms }} end)
        - (case when o.state_start_ms > o.interval_start_ms then o.state_start_ms else o.interval_start_ms end)
            as overlap_ms
    from overlapping as o
    cross join as_of as s
    where o.activity <> 'LOGGED_OUT'
),

logged_in as (
    select instance_id, agent_id, interval_start_ms, sum(overlap_ms) as logged_in_ms
    from clipped
    where overlap_ms > 0
    group by instance_id, agent_id, interval_start_ms
)

select a.agent_id, a.interval_start_ms, l.logged_in_ms, a.state_seconds
from activity as a
left join logged_in as l
    on l.instance_id = a.instance_id and l.agent_id = a.agent_id and l.interval_start_ms = a.interval_start_ms
where l.logged_in_ms is null
   or abs(l.logged_in_ms / 1000.0 - a.state_seconds) > 0.001
   or a.state_seconds > {{ interval_ms / 1000 }}
