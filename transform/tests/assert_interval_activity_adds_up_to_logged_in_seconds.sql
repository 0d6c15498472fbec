-- wfm_agent_interval_activity: per agent and interval, the states add up to the logged-in
-- milliseconds computed independently from the state periods, and never exceed the interval.
-- Checks the agent × intervals the table's newest run wrote: every one after a full build,
-- what changed after an incremental run (so the every-minute adherence job stays cheap).
-- Set-based (one sort with running maxima and an equality join, no lookup per agent ×
-- interval), so the check after a full build of months of history takes seconds.
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

agent_periods as (
    -- the periods overlapping each agent's checked span, the open one running to "as of"
    select
        t.instance_id,
        t.agent_id,
        t.state_start_ms,
        coalesce(t.state_end_ms, s.as_of_ms) as state_end_ms,
        case when t.activity = 'LOGGED_OUT' then 1 else 0 end as is_logged_out
    from {{ periods }} as t
    inner join (
        select instance_id, agent_id, min(interval_start_ms) as lo_ms, max(interval_start_ms) + {{ interval_ms }} as hi_ms
        from activity
        group by instance_id, agent_id
    ) as r
        on r.instance_id = t.instance_id and r.agent_id = t.agent_id
       and t.state_start_ms < r.hi_ms and (t.state_end_ms is null or t.state_end_ms > r.lo_ms)
    cross join as_of as s
),

boundaries as (
    -- the period starts and the checked interval starts of each agent, in one ordered list
    select
        instance_id, agent_id, state_start_ms as at_ms, 0 as is_interval_start,
        state_start_ms as period_start_ms,
        state_end_ms as period_end_ms,
        case when is_logged_out = 1 then state_start_ms end as logged_out_start_ms
    from agent_periods
    union all
    select instance_id, agent_id, interval_start_ms, 1, cast(null as bigint), cast(null as bigint), cast(null as bigint)
    from activity
),

running as (
    -- the period running when each interval starts is the newest one started by then:
    -- running maxima over that list give its start, its end (periods follow each other, so
    -- the newest also ends last) and whether it is a logged-out one. No join back.
    select instance_id, agent_id, interval_start_ms, state_start_ms, state_end_ms, logged_out_start_ms
    from (
        select
            instance_id,
            agent_id,
            at_ms as interval_start_ms,
            is_interval_start,
            max(period_start_ms) over (partition by instance_id, agent_id order by at_ms, is_interval_start
                                       rows between unbounded preceding and current row) as state_start_ms,
            max(period_end_ms) over (partition by instance_id, agent_id order by at_ms, is_interval_start
                                     rows between unbounded preceding and current row) as state_end_ms,
            max(logged_out_start_ms) over (partition by instance_id, agent_id order by at_ms, is_interval_start
                                           rows between unbounded preceding and current row) as logged_out_start_ms
        from boundaries
    ) as ordered
    where is_interval_start = 1
),

overlapping as (
    -- that period …
    select instance_id, agent_id, interval_start_ms, state_start_ms, state_end_ms
    from running
    where state_start_ms is not null
      and (logged_out_start_ms is null or logged_out_start_ms < state_start_ms)
    union all
    -- … and those that start inside the interval (an equality join on the interval number)
    select a.instance_id, a.agent_id, a.interval_start_ms, t.state_start_ms, t.state_end_ms
    from activity as a
    inner join agent_periods as t
        on t.instance_id = a.instance_id
       and t.agent_id = a.agent_id
       and {{ connect_wfm.int_div('t.state_start_ms', interval_ms) }} = {{ connect_wfm.int_div('a.interval_start_ms', interval_ms) }}
       and t.state_start_ms > a.interval_start_ms
    where t.is_logged_out = 0
),

clipped as (
    select
        instance_id,
        agent_id,
        interval_start_ms,
        (case when state_end_ms < interval_start_ms + {{ interval_ms }}
              then state_end_ms else interval_start_ms + {{ interval_ms }} end)
        - (case when state_start_ms > interval_start_ms then state_start_ms else interval_start_ms end)
            as overlap_ms
    from overlapping
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
