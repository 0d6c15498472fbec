{{ config(materialized='table',
          indexes=connect_wfm.pg_indexes([{'columns': ['interval_idx'], 'unique': true}])) }}
-- One row per UTC interval (var interval_minutes, default 15) from the earliest to the
-- latest moment the agent data covers (agent events, schedule, "as of"). interval_idx
-- numbers intervals from the epoch, so splitting is integer arithmetic on epoch ms.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with bounds as (
    select
        min(lo_ms) as lo_ms,
        max(hi_ms) as hi_ms
    from (
        select min(event_ms) as lo_ms, max(event_ms) as hi_ms
        from {{ ref('int_agent_event_snapshots') }}
        union all
        select min(start_ms), max(end_ms - 1)
        from {{ ref('int_schedule_agents_resolved') }}
        union all
        select null, as_of_ms from ({{ connect_wfm.as_of_ms_query() }}) as as_of
    ) as ranges
),

idx_bounds as (
    select
        {{ connect_wfm.int_div('lo_ms', interval_ms) }} as lo_idx,
        {{ connect_wfm.int_div('hi_ms', interval_ms) }} as hi_idx
    from bounds
),

numbers as (
    {{ connect_wfm.numbers_query(var('calendar_digits', 5)) }}
),

intervals as (
    select idx_bounds.lo_idx + numbers.n as interval_idx
    from idx_bounds
    inner join numbers on numbers.n <= idx_bounds.hi_idx - idx_bounds.lo_idx
)

select
    cast(interval_idx as bigint) as interval_idx,
    cast(interval_idx * {{ interval_ms }} as bigint) as interval_start_ms,
    cast((interval_idx + 1) * {{ interval_ms }} as bigint) as interval_end_ms,
    {{ connect_wfm.from_epoch_ms('interval_idx * ' ~ interval_ms) }} as interval_start_at,
    {{ connect_wfm.from_epoch_ms('(interval_idx + 1) * ' ~ interval_ms) }} as interval_end_at
from intervals
