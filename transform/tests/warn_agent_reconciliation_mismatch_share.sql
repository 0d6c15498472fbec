{{ config(severity='warn') }}
-- Warns, per instance, when more than var agent_reconciliation_warn_share (0.05) of the
-- agent-intervals Connect has settled in the last var agent_reconciliation_warn_hours (24)
-- (before the newest settled one) do not match: the agent events (and so the adherence data)
-- are incomplete or wrong for that instance. Which ones, and by how much: wfm_agent_reconciliation
-- (README, "Is the adherence data complete?").
{%- set share = connect_wfm.number_var('agent_reconciliation_warn_share', 0.05) %}
{%- set hours = connect_wfm.number_var('agent_reconciliation_warn_hours', 24) | int %}

with settled as (
    select instance_id, interval_start_at, status
    from {{ ref('wfm_agent_reconciliation') }}
    where status <> 'connect_pending'
),

newest as (
    select instance_id, max(interval_start_at) as newest_at
    from settled
    group by instance_id
),

last_day as (
    select s.instance_id, s.status
    from settled as s
    inner join newest as n on n.instance_id = s.instance_id
    where s.interval_start_at > {{ dbt.dateadd('hour', -1 * hours, 'n.newest_at') }}
)

select
    instance_id,
    count(*) as agent_intervals,
    sum(case when status = 'events_missing' then 1 else 0 end) as events_missing,
    sum(case when status = 'events_extra' then 1 else 0 end) as events_extra,
    1.0 * sum(case when status <> 'match' then 1 else 0 end) / count(*) as mismatched_share
from last_day
group by instance_id
having 1.0 * sum(case when status <> 'match' then 1 else 0 end) / count(*) > {{ share }}
