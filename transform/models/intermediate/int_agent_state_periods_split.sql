{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'state_start_ms', 'interval_idx'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'state_start_ms', 'interval_idx'], 'unique': true},
            {'columns': ['instance_id', 'agent_id', 'interval_idx']},
            {'columns': ['_wfm_invocation_id']},
            {'columns': ['_wfm_written_at']},
        ]),
        post_hook=["{{ connect_wfm.delete_superseded_periods(this, recomputed_rows='_wfm_is_resplit = 1') }}"],
    )
}}
-- Agent state periods cut at every interval boundary (UTC; a day or DST change is just
-- another boundary, since intervals are counted in epoch milliseconds): one row per period
-- × interval it overlaps, with the exact milliseconds inside that interval. The open
-- period runs to "as of" (var activity_as_of, else the newest agent event).
-- Builds on the state transaction table (a mart) so the derivation runs once and its
-- periods are materialised once: the one intermediate model that reads a mart, measured
-- against a one-way alternative (transform/README.md, Layers).
-- Incremental, from the watermarks of the newest rows written (_wfm_written_at index):
--   periods the state table wrote since then (_wfm_written_at: new events, or a status
--     type learnt late) are cut again whole (_wfm_is_resplit = 1);
--     pieces of those agents that no longer exist are deleted by the post-hook;
--   every other open period only grows: its pieces from the interval of the previous
--     "as of" on are written again (the earlier ones cannot change).
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with as_of as (
    {{ connect_wfm.as_of_ms_query() }}
),

{% if connect_wfm.wfm_is_incremental() %}
{#- every row a run writes carries that run's watermarks: read them off the newest row
    (1900-01-01 when it has none: every period is then cut again whole) #}
previous_run as (
    select
        {{ connect_wfm.inline_scalar(
               "select coalesce((" ~ connect_wfm.first_row_query(
                   connect_wfm.column_or_null(this, '_wfm_state_written_through', dbt.type_timestamp()),
                   this, '_wfm_written_at desc')
               ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))", dbt.type_timestamp()) }}
            as state_written_through,
        {{ connect_wfm.inline_scalar(connect_wfm.first_row_query(
               '_wfm_as_of_ms', this, '_wfm_written_at desc'), 'bigint') }} as as_of_ms
),
{% endif %}

periods as (
    select
        t.instance_id,
        t.agent_id,
        t.state_start_ms,
        -- "as of" as a scalar subquery (a constant for the planner, not a joined row): the
        -- calendar join below can then use both of its bounds as an index range
        case
            when t.state_end_ms is not null then t.state_end_ms
            when (select as_of_ms from as_of) > t.state_start_ms then (select as_of_ms from as_of)
            else t.state_start_ms
        end as state_end_ms,
        t.wfm_state,
        t.activity,
        t.is_productive,
        t.source_status_name,
        {% if connect_wfm.wfm_is_incremental() -%}
        case when t._wfm_written_at > p.state_written_through then 1 else 0 end as is_resplit,
        case when t._wfm_written_at > p.state_written_through
                  or p.as_of_ms is null or p.as_of_ms < t.state_start_ms
             then t.state_start_ms else p.as_of_ms end as split_from_ms
        {%- else -%}
        1 as is_resplit,
        t.state_start_ms as split_from_ms
        {%- endif %}
    from {{ ref('wfm_agent_state_transaction') }} as t
    {% if connect_wfm.wfm_is_incremental() %}
    cross join previous_run as p
    where t.state_end_ms is null
       or t._wfm_written_at > p.state_written_through
    {% endif %}
),

bounded as (
    select
        periods.*,
        {{ connect_wfm.int_div('split_from_ms', interval_ms) }} as first_idx,
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
    b.is_resplit as _wfm_is_resplit,
    (select max(_wfm_written_at) from {{ ref('wfm_agent_state_transaction') }}) as _wfm_state_written_through,
    (select as_of_ms from as_of) as _wfm_as_of_ms,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_written_at,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from bounded as b
inner join {{ ref('int_interval_calendar') }} as c
    on c.interval_idx between b.first_idx and b.last_idx
