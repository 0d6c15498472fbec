{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'state_start_ms', 'interval_idx'],
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'state_start_ms', 'interval_idx'], 'unique': true},
            {'columns': ['instance_id', 'agent_id', 'interval_idx']},
            {'columns': ['_wfm_invocation_id']},
            {'columns': ['_wfm_written_at']},
        ]),
        post_hook=["{{ connect_wfm.delete_superseded_periods(this) }}"],
    )
}}
-- Agent state periods cut at every interval boundary (UTC; a day or DST change is just
-- another boundary, since intervals are counted in epoch milliseconds): one row per period
-- × interval it overlaps, with the exact milliseconds inside that interval. The open
-- period runs to "as of" (var activity_as_of, else the newest agent event).
-- Builds on the state transaction table (a mart) so the derivation runs once.
-- Incremental: the periods the state transaction table rewrote since this table's
-- watermark (_wfm_loaded_through), plus every open period (its end, "as of", moved);
-- pieces of rewritten agents that no longer exist are deleted by the post-hook.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with as_of as (
    {{ connect_wfm.as_of_ms_query() }}
),

periods as (
    select
        t.instance_id,
        t.agent_id,
        t.state_start_ms,
        case
            when t.state_end_ms is not null then t.state_end_ms
            when as_of.as_of_ms > t.state_start_ms then as_of.as_of_ms
            else t.state_start_ms
        end as state_end_ms,
        t.wfm_state,
        t.activity,
        t.is_productive,
        t.source_status_name,
        t._wfm_loaded_through
    from {{ ref('wfm_agent_state_transaction') }} as t
    cross join as_of
    {% if is_incremental() %}
    where t.state_end_ms is null
       or t._wfm_loaded_through > (
           select coalesce(max(w._wfm_loaded_through), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }} as w)
    {% endif %}
),

bounded as (
    select
        periods.*,
        {{ connect_wfm.int_div('state_start_ms', interval_ms) }} as first_idx,
        {{ connect_wfm.int_div('state_end_ms - 1', interval_ms) }} as last_idx
    from periods
    where state_end_ms > state_start_ms
)

select
    b.instance_id,
    b.agent_id,
    c.interval_idx,
    c.interval_start_at,
    b.wfm_state,
    b.activity,
    b.is_productive,
    b.source_status_name,
    b.state_start_ms,
    case when b.state_start_ms > c.interval_start_ms then b.state_start_ms else c.interval_start_ms end as piece_start_ms,
    case when b.state_end_ms < c.interval_end_ms then b.state_end_ms else c.interval_end_ms end as piece_end_ms,
    b._wfm_loaded_through,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_written_at,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from bounded as b
inner join {{ ref('int_interval_calendar') }} as c
    on c.interval_idx between b.first_idx and b.last_idx
