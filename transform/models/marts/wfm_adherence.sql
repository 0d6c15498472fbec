{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'interval_start_at'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'interval_start_at'], 'unique': true},
            {'columns': ['interval_start_at']},
            {'columns': ['_wfm_split_written_through']},
            {'columns': ['_wfm_schedule_changed_through']},
        ]),
        post_hook=["{{ connect_wfm.delete_placeholder_rows(this, 'scheduled_seconds = 0') }}"],
    )
}}
-- One row per agent × interval with scheduled time up to "as of" (var schedule_relation,
-- else the seed example_schedule): the schedule cut at interval boundaries and at "as of"
-- (the current interval holds the time so far; future intervals have no row yet), compared
-- with the actual state pieces of int_agent_state_periods_split.
--   adherent_seconds          scheduled time spent in a wfm_state the seed
--                             adherence_activity_allowed_states allows for the activity
--   out_of_adherence_seconds  scheduled_seconds - adherent_seconds
--   adherence_pct             100 * adherent / scheduled
--   conformance_pct           100 * logged-in seconds / scheduled seconds of the interval
--   site_time_zone, interval_start_local  the site's zone (stg_wfm__site_time_zones, else var
--                             default_site_time_zone) and the interval start there, for reporting
-- Incremental: the agent × interval pairs with state pieces written since the last run,
-- the pairs of the schedule rows added or removed since then within the trailing var
-- adherence_schedule_window_hours (int_schedule_row_versions: an edited row counts as its
-- old and its new version), and the scheduled pairs from the newest interval written on
-- ("as of" was inside it and has moved); a pair whose schedule was removed is deleted by
-- the post-hook. The rest of the window is left alone.
-- A schedule edited further back needs `dbt build --full-refresh -s wfm_adherence`.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with as_of as (
    {{ connect_wfm.as_of_ms_query() }}
),

schedule as (
    select * from {{ ref('int_schedule_agents_resolved') }} where agent_id is not null
),

{% if connect_wfm.wfm_is_incremental() %}
window_start as (
    {{ connect_wfm.schedule_window_start_query(as_of='as_of') }}
),

written_pairs as (
    -- pairs with actual state pieces written since the last run
    select distinct instance_id, agent_id, interval_idx
    from {{ ref('int_agent_state_periods_split') }}
    where _wfm_written_at > {{ connect_wfm.watermark(this, '_wfm_split_written_through') }}
),

previous_as_of as (
    -- "as of" when the newest interval written was last computed (every move of "as of"
    -- recomputes the scheduled pairs from its previous interval on)
    select
        {{ connect_wfm.inline_scalar(
               "select max(" ~ connect_wfm.column_or_null(this, '_wfm_as_of_ms', 'bigint') ~ ") from " ~ this
               ~ " where interval_start_at = (select max(interval_start_at) from " ~ this ~ ")", 'bigint') }}
            as as_of_ms
),

as_of_moved_from as (
    select coalesce({{ connect_wfm.int_div('p.as_of_ms', interval_ms) }}, 0) as interval_idx
    from previous_as_of as p
    cross join as_of
    where p.as_of_ms is null or as_of.as_of_ms > p.as_of_ms
),

rows_to_recompute as (
    -- schedule rows added or removed since the last run (int_schedule_row_versions) …
    select instance_id, agent_id, start_ms, end_ms
    from {{ ref('int_schedule_row_versions') }}
    -- (a table written before int_schedule_row_versions: every change counts as new, once)
    where _wfm_changed_at > {{ connect_wfm.watermark(
        this, connect_wfm.column_or_null(this, '_wfm_schedule_changed_through', dbt.type_timestamp())) }}
    union all
    -- … and those "as of" moved through since
    select s.instance_id, s.agent_id,
           case when s.start_ms > f.interval_idx * {{ interval_ms }} then s.start_ms else f.interval_idx * {{ interval_ms }} end,
           s.end_ms
    from schedule as s
    cross join as_of_moved_from as f
    where s.end_ms > f.interval_idx * {{ interval_ms }}
      and s.start_ms < (select as_of_ms from as_of)
),

touched as (
    select instance_id, agent_id, interval_idx from written_pairs
    union
    select r.instance_id, r.agent_id, c.interval_idx
    from rows_to_recompute as r
    inner join {{ ref('int_interval_calendar') }} as c
        on c.interval_idx between {{ connect_wfm.int_div('r.start_ms', interval_ms) }}
                              and {{ connect_wfm.int_div('r.end_ms - 1', interval_ms) }}
    where c.interval_idx >= (select interval_idx from window_start)
      and c.interval_start_ms < (select as_of_ms from as_of)
),

recomputed_schedule as (
    -- the schedule rows of the touched pairs (cut by time first: most agents have a
    -- touched pair, and joined by agent alone every row of their history was compared)
    select s.*
    from schedule as s
    where s.end_ms > (select min(interval_idx) from touched) * {{ interval_ms }}
      and exists (
        select 1 from touched as t
        where t.instance_id = s.instance_id and t.agent_id = s.agent_id
          and t.interval_idx between {{ connect_wfm.int_div('s.start_ms', interval_ms) }}
                                 and {{ connect_wfm.int_div('s.end_ms - 1', interval_ms) }})
),
{% endif %}

-- the schedule cut at interval boundaries and at "as of"
all_schedule_pieces as (
    select
        s.instance_id,
        s.agent_id,
        s.activity,
        c.interval_idx,
        c.interval_start_at,
        case when s.start_ms > c.interval_start_ms then s.start_ms else c.interval_start_ms end as piece_start_ms,
        case
            when s.end_ms <= c.interval_end_ms and s.end_ms <= as_of.as_of_ms then s.end_ms
            when c.interval_end_ms <= as_of.as_of_ms then c.interval_end_ms
            else as_of.as_of_ms
        end as piece_end_ms
    {% if connect_wfm.wfm_is_incremental() %}
    from recomputed_schedule as s
    {% else %}
    from schedule as s
    {% endif %}
    inner join {{ ref('int_interval_calendar') }} as c
        on c.interval_idx between {{ connect_wfm.int_div('s.start_ms', interval_ms) }}
                              and {{ connect_wfm.int_div('s.end_ms - 1', interval_ms) }}
    cross join as_of
    where c.interval_start_ms < as_of.as_of_ms
      and s.start_ms < as_of.as_of_ms
),

schedule_pieces as (
    select p.*
    from all_schedule_pieces as p
    {% if connect_wfm.wfm_is_incremental() %}
    where exists (
        select 1 from touched as t
        where t.instance_id = p.instance_id and t.agent_id = p.agent_id and t.interval_idx = p.interval_idx)
    {% endif %}
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

-- every figure of a pair as its own row, summed per pair below: one aggregation instead of
-- joins between aggregates (whose row estimates the planner gets badly wrong)
figures as (
    select
        instance_id, agent_id, interval_idx, activity,
        piece_end_ms - piece_start_ms as scheduled_ms,
        0 as adherent_ms,
        0 as logged_in_ms
    from schedule_pieces
    union all
    select
        s.instance_id, s.agent_id, s.interval_idx, cast(null as {{ dbt.type_string() }}),
        0,
        (case when a.piece_end_ms < s.piece_end_ms then a.piece_end_ms else s.piece_end_ms end)
        - (case when a.piece_start_ms > s.piece_start_ms then a.piece_start_ms else s.piece_start_ms end),
        0
    from schedule_pieces as s
    inner join actual_pieces as a
        on a.instance_id = s.instance_id
       and a.agent_id = s.agent_id
       and a.interval_idx = s.interval_idx
       and a.piece_start_ms < s.piece_end_ms
       and a.piece_end_ms > s.piece_start_ms
    inner join allowed
        on allowed.activity = s.activity and allowed.wfm_state = a.wfm_state
    union all
    select instance_id, agent_id, interval_idx, cast(null as {{ dbt.type_string() }}), 0, 0, piece_end_ms - piece_start_ms
    from actual_pieces
    where activity <> 'LOGGED_OUT'
    {% if connect_wfm.wfm_is_incremental() %}
    union all
    -- written before, nothing scheduled now: a row of zeros the post-hook deletes
    select t.instance_id, t.agent_id, t.interval_idx, cast(null as {{ dbt.type_string() }}), 0, 0, 0
    from touched as t
    where exists (
        select 1 from {{ this }} as w
        where w.instance_id = t.instance_id and w.agent_id = t.agent_id
          and w.interval_start_at = {{ connect_wfm.from_epoch_ms('t.interval_idx * ' ~ interval_ms) }}
          -- the touched range only (Postgres otherwise hashed the whole table)
          and w.interval_start_at >= (
              select {{ connect_wfm.from_epoch_ms('min(interval_idx) * ' ~ interval_ms) }} from touched))
    {% endif %}
),

per_pair as (
    select
        instance_id,
        agent_id,
        interval_idx,
        sum(scheduled_ms) as scheduled_ms,
        sum(adherent_ms) as adherent_ms,
        sum(logged_in_ms) as logged_in_ms,
        min(activity) as first_activity,
        count(distinct activity) as activity_count
    from figures
    group by instance_id, agent_id, interval_idx
),

zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
)

select
    per_pair.instance_id,
    per_pair.agent_id,
    {{ connect_wfm.from_epoch_ms('per_pair.interval_idx * ' ~ interval_ms) }} as interval_start_at,
    {{ connect_wfm.from_epoch_ms('(per_pair.interval_idx + 1) * ' ~ interval_ms) }} as interval_end_at,
    case when activity_count = 1 then first_activity when activity_count > 1 then 'MIXED' end as scheduled_activity,
    cast(scheduled_ms / 1000.0 as {{ dbt.type_numeric() }}) as scheduled_seconds,
    cast(adherent_ms / 1000.0 as {{ dbt.type_numeric() }}) as adherent_seconds,
    cast((scheduled_ms - adherent_ms) / 1000.0 as {{ dbt.type_numeric() }}) as out_of_adherence_seconds,
    cast(logged_in_ms / 1000.0 as {{ dbt.type_numeric() }}) as logged_in_seconds,
    cast(100.0 * adherent_ms / nullif(scheduled_ms, 0) as {{ connect_wfm.type_double() }}) as adherence_pct,
    cast(100.0 * logged_in_ms / nullif(scheduled_ms, 0) as {{ connect_wfm.type_double() }}) as conformance_pct,
    cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone,
    {{ connect_wfm.utc_to_local(connect_wfm.from_epoch_ms('per_pair.interval_idx * ' ~ interval_ms),
                                "coalesce(zones.time_zone, " ~ connect_wfm.default_site_time_zone() ~ ")") }} as interval_start_local,
    (select max(_wfm_changed_at) from {{ ref('int_schedule_row_versions') }}) as _wfm_schedule_changed_through,
    (select as_of_ms from as_of) as _wfm_as_of_ms,
    (select max(_wfm_written_at) from {{ ref('int_agent_state_periods_split') }}) as _wfm_split_written_through,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from per_pair
left join zones on zones.instance_id = per_pair.instance_id
