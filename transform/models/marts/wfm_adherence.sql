{{ config(indexes=connect_wfm.pg_indexes([{'columns': ['instance_id', 'agent_id', 'interval_start_at']}])) }}
-- One row per agent × interval with scheduled time (var schedule_relation, else the seed
-- example_schedule): the schedule cut at interval boundaries, compared with the actual
-- state pieces of int_agent_state_periods_split.
--   adherent_seconds          scheduled time spent in a wfm_state the seed
--                             adherence_activity_allowed_states allows for the activity
--   out_of_adherence_seconds  scheduled_seconds - adherent_seconds
--   adherence_pct             100 * adherent / scheduled
--   conformance_pct           100 * logged-in seconds / scheduled seconds of the interval
--                             (NULL where nothing is scheduled)
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with schedule as (
    select * from {{ ref('stg_wfm__schedule') }} where agent_id is not null
),

schedule_pieces as (
    select
        s.instance_id,
        s.agent_id,
        s.activity,
        c.interval_idx,
        c.interval_start_at,
        case when s.start_ms > c.interval_start_ms then s.start_ms else c.interval_start_ms end as piece_start_ms,
        case when s.end_ms < c.interval_end_ms then s.end_ms else c.interval_end_ms end as piece_end_ms
    from schedule as s
    inner join {{ ref('int_interval_calendar') }} as c
        on c.interval_idx between {{ connect_wfm.int_div('s.start_ms', interval_ms) }}
                              and {{ connect_wfm.int_div('s.end_ms - 1', interval_ms) }}
),

actual_pieces as (
    select a.*
    from {{ ref('int_agent_state_periods_split') }} as a
    where exists (
        select 1 from schedule_pieces as s
        where s.instance_id = a.instance_id and s.agent_id = a.agent_id and s.interval_idx = a.interval_idx
    )
),

allowed as (
    select activity, wfm_state from {{ ref('adherence_activity_allowed_states') }}
),

adherent as (
    select
        s.instance_id,
        s.agent_id,
        s.interval_idx,
        sum(
            (case when a.piece_end_ms < s.piece_end_ms then a.piece_end_ms else s.piece_end_ms end)
            - (case when a.piece_start_ms > s.piece_start_ms then a.piece_start_ms else s.piece_start_ms end)
        ) as adherent_ms
    from schedule_pieces as s
    inner join actual_pieces as a
        on a.instance_id = s.instance_id
       and a.agent_id = s.agent_id
       and a.interval_idx = s.interval_idx
       and a.piece_start_ms < s.piece_end_ms
       and a.piece_end_ms > s.piece_start_ms
    inner join allowed
        on allowed.activity = s.activity and allowed.wfm_state = a.wfm_state
    group by s.instance_id, s.agent_id, s.interval_idx
),

scheduled as (
    select
        instance_id,
        agent_id,
        interval_idx,
        interval_start_at,
        sum(piece_end_ms - piece_start_ms) as scheduled_ms,
        min(activity) as first_activity,
        count(distinct activity) as activity_count
    from schedule_pieces
    group by instance_id, agent_id, interval_idx, interval_start_at
),

logged_in as (
    select instance_id, agent_id, interval_idx, sum(piece_end_ms - piece_start_ms) as logged_in_ms
    from actual_pieces
    where activity <> 'LOGGED_OUT'
    group by instance_id, agent_id, interval_idx
)

select
    s.instance_id,
    s.agent_id,
    s.interval_start_at,
    {{ connect_wfm.from_epoch_ms('(s.interval_idx + 1) * ' ~ interval_ms) }} as interval_end_at,
    case when s.activity_count = 1 then s.first_activity else 'MIXED' end as scheduled_activity,
    cast(s.scheduled_ms / 1000.0 as {{ dbt.type_numeric() }}) as scheduled_seconds,
    cast(coalesce(o.adherent_ms, 0) / 1000.0 as {{ dbt.type_numeric() }}) as adherent_seconds,
    cast((s.scheduled_ms - coalesce(o.adherent_ms, 0)) / 1000.0 as {{ dbt.type_numeric() }}) as out_of_adherence_seconds,
    cast(coalesce(l.logged_in_ms, 0) / 1000.0 as {{ dbt.type_numeric() }}) as logged_in_seconds,
    cast(100.0 * coalesce(o.adherent_ms, 0) / nullif(s.scheduled_ms, 0) as {{ connect_wfm.type_double() }}) as adherence_pct,
    cast(100.0 * coalesce(l.logged_in_ms, 0) / nullif(s.scheduled_ms, 0) as {{ connect_wfm.type_double() }}) as conformance_pct
from scheduled as s
left join adherent as o
    on o.instance_id = s.instance_id and o.agent_id = s.agent_id and o.interval_idx = s.interval_idx
left join logged_in as l
    on l.instance_id = s.instance_id and l.agent_id = s.agent_id and l.interval_idx = s.interval_idx
