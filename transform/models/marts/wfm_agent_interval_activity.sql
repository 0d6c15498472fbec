{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'interval_start_at'],
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'interval_start_at', 'wfm_state'], 'unique': true},
            {'columns': ['_wfm_invocation_id']},
            {'columns': ['_wfm_split_written_through']},
        ]),
        post_hook=["{{ connect_wfm.delete_placeholder_rows(this, 'state_seconds = 0') }}"],
    )
}}
-- depends_on: {{ ref('connect_status_wfm_state_map') }}
-- Seconds per agent × 15-minute interval × wfm_state while logged in (LOGGED_OUT periods
-- excluded, so per agent and interval the rows add up to the logged-in seconds). Interval
-- boundaries in UTC; site_time_zone and the local interval start for reporting.
-- unique_key is the agent × interval pair, not the row: delete+insert replaces every old
-- row of a recomputed pair, so a state that disappeared leaves no stale row.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with
{% if connect_wfm.wfm_is_incremental() %}
-- agent × interval pairs with split pieces written since this table's watermark
-- (_wfm_split_written_through): recomputed from all their pieces. A pair whose new pieces
-- are all LOGGED_OUT and that has no row here is left out: it gets none (the open periods
-- of logged-out agents are cut again every run: at 5,000 agents that was 130,000 pairs
-- written as placeholders and deleted again).
new_pairs as (
    select
        instance_id,
        agent_id,
        interval_idx,
        max(case when activity <> 'LOGGED_OUT' then 1 else 0 end) as has_logged_in
    from {{ ref('int_agent_state_periods_split') }}
    where _wfm_written_at > {{ connect_wfm.watermark(this, '_wfm_split_written_through') }}
    group by instance_id, agent_id, interval_idx
),

touched as (
    select n.instance_id, n.agent_id, n.interval_idx
    from new_pairs as n
    where n.has_logged_in = 1
       or exists (
           select 1 from {{ this }} as a
           where a.instance_id = n.instance_id and a.agent_id = n.agent_id
             and a.interval_start_at = {{ connect_wfm.from_epoch_ms('n.interval_idx * ' ~ interval_ms) }})
),

per_state as (
    -- a row per state with pieces; a pair with none gets one zero row (the post-hook drops
    -- it) so that delete+insert still removes the pair's old rows. touched is read once: a
    -- second join to it was planned as a nested loop of touched x touched (17 s).
    select
        t.instance_id,
        t.agent_id,
        t.interval_idx,
        {{ connect_wfm.from_epoch_ms('t.interval_idx * ' ~ interval_ms) }} as interval_start_at,
        coalesce(p.wfm_state, 'LOGGED_OUT') as wfm_state,
        coalesce(max(p.is_productive), 0) as is_productive,
        coalesce(sum(p.piece_end_ms - p.piece_start_ms), 0) as state_ms,
        count(p.agent_id) as period_pieces
    from touched as t
    left join {{ ref('int_agent_state_periods_split') }} as p
        on p.instance_id = t.instance_id and p.agent_id = t.agent_id and p.interval_idx = t.interval_idx
       and p.activity <> 'LOGGED_OUT'
    group by t.instance_id, t.agent_id, t.interval_idx, p.wfm_state
),
{% else %}
pieces as (
    select *
    from {{ ref('int_agent_state_periods_split') }}
    where activity <> 'LOGGED_OUT'
),

per_state as (
    select
        instance_id,
        agent_id,
        interval_idx,
        interval_start_at,
        wfm_state,
        max(is_productive) as is_productive,
        sum(piece_end_ms - piece_start_ms) as state_ms,
        count(*) as period_pieces
    from pieces
    group by instance_id, agent_id, interval_idx, interval_start_at, wfm_state
),
{% endif %}


zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
)

select
    per_state.instance_id,
    per_state.agent_id,
    per_state.interval_start_at,
    {{ connect_wfm.from_epoch_ms('(per_state.interval_idx + 1) * ' ~ interval_ms) }} as interval_end_at,
    cast(per_state.wfm_state as {{ dbt.type_string() }}) as wfm_state,
    cast(per_state.state_ms / 1000.0 as {{ dbt.type_numeric() }}) as state_seconds,
    per_state.is_productive,
    per_state.period_pieces,
    cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone,
    {{ connect_wfm.utc_to_local('per_state.interval_start_at', "coalesce(zones.time_zone, " ~ connect_wfm.default_site_time_zone() ~ ")") }} as interval_start_local,
    (select max(_wfm_written_at) from {{ ref('int_agent_state_periods_split') }}) as _wfm_split_written_through,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from per_state
left join zones on zones.instance_id = per_state.instance_id
