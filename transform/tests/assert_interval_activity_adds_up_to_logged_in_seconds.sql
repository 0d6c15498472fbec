-- wfm_agent_interval_activity: per agent and interval, the states add up to the logged-in
-- milliseconds computed independently from the state periods, and never exceed the interval.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}
with as_of as (
    {{ connect_wfm.as_of_ms_query() }}
),

logged_in as (
    select
        t.instance_id,
        t.agent_id,
        c.interval_start_at,
        sum(
            (case when coalesce(t.state_end_ms, a.as_of_ms) < c.interval_end_ms then coalesce(t.state_end_ms, a.as_of_ms) else c.interval_end_ms end)
            - (case when t.state_start_ms > c.interval_start_ms then t.state_start_ms else c.interval_start_ms end)
        ) as logged_in_ms
    from {{ ref('wfm_agent_state_transaction') }} as t
    cross join as_of as a
    inner join {{ ref('int_interval_calendar') }} as c
        on c.interval_start_ms < coalesce(t.state_end_ms, a.as_of_ms)
       and c.interval_end_ms > t.state_start_ms
    where t.activity <> 'LOGGED_OUT'
    group by t.instance_id, t.agent_id, c.interval_start_at
),

activity as (
    select instance_id, agent_id, interval_start_at, sum(state_seconds) as state_seconds
    from {{ ref('wfm_agent_interval_activity') }}
    group by instance_id, agent_id, interval_start_at
)

select coalesce(l.agent_id, a.agent_id) as agent_id, l.logged_in_ms, a.state_seconds
from logged_in as l
full outer join activity as a
    on a.instance_id = l.instance_id and a.agent_id = l.agent_id and a.interval_start_at = l.interval_start_at
where l.logged_in_ms is null
   or a.state_seconds is null
   or abs(l.logged_in_ms / 1000.0 - a.state_seconds) > 0.001
   or a.state_seconds > {{ interval_ms / 1000 }}
