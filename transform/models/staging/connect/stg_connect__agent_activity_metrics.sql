{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'interval_start_at'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'interval_start_at'], 'unique': true},
            {'columns': ['collected_at']},
            {'columns': ['_wfm_staged_at']},
        ]),
    )
}}
-- One row per instance × agent × interval_start of Connect's own per-agent time (the
-- optional stream agent_activity_metrics of tap-amazon-connect): the tap re-reads a
-- trailing window, so the newest collected_at wins. Incremental like
-- stg_connect__queue_interval_metrics: the raw rows collected since the newest one staged
-- (minus var queue_metrics_lookback_minutes) replace the staged rows they are newer than.
-- Where the stream is not collected (no raw table), an empty table of the same columns.
-- Values Connect left out stay NULL (the reconciliation reads them as 0).
{%- set raw = source('connect', 'agent_activity_metrics') %}
{%- set seconds = ['online_seconds', 'idle_seconds', 'on_contact_seconds', 'non_productive_seconds',
                   'error_status_seconds', 'after_contact_work_seconds'] %}
{%- if connect_wfm.wfm_is_incremental() %}
    {%- set threshold = connect_wfm.inline_scalar(
        "select coalesce(" ~ dbt.dateadd('minute', -1 * var('queue_metrics_lookback_minutes', 180), 'max(w.collected_at)')
        ~ ", cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from " ~ this ~ " as w", dbt.type_timestamp()) %}
{%- endif %}

{% if not connect_wfm.relation_exists(raw) %}
select
    cast(null as {{ dbt.type_string() }}) as instance_id,
    cast(null as {{ dbt.type_string() }}) as agent_id,
    cast(null as {{ dbt.type_timestamp() }}) as interval_start_at,
    cast(null as {{ dbt.type_timestamp() }}) as interval_end_at,
    cast(null as bigint) as interval_start_ms,
    cast(null as bigint) as interval_ms,
    {%- for column in seconds %}
    cast(null as {{ connect_wfm.type_double() }}) as {{ column }},
    {%- endfor %}
    cast(null as bigint) as agent_non_response,
    cast(null as {{ dbt.type_string() }}) as api_version,
    cast(null as {{ dbt.type_timestamp() }}) as collected_at,
    cast(null as {{ dbt.type_timestamp() }}) as _wfm_staged_at
where 1 = 0
{% else %}
with typed as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        {{ connect_wfm.to_utc_timestamp('interval_start') }} as interval_start_at,
        {{ connect_wfm.to_utc_timestamp('interval_end') }} as interval_end_at,
        {%- for column in seconds %}
        cast({{ column }} as {{ connect_wfm.type_double() }}) as {{ column }},
        {%- endfor %}
        cast(agent_non_response as bigint) as agent_non_response,
        cast(api_version as {{ dbt.type_string() }}) as api_version,
        {{ connect_wfm.to_utc_timestamp('collected_at') }} as collected_at
    from {{ raw }}
    {% if connect_wfm.wfm_is_incremental() %}
    where {{ connect_wfm.loaded_since(raw, 'collected_at', threshold) }}
    {% endif %}
)

select
    instance_id, agent_id, interval_start_at, interval_end_at,
    {{ connect_wfm.epoch_ms('interval_start_at') }} as interval_start_ms,
    {{ connect_wfm.epoch_ms('interval_end_at') }} - {{ connect_wfm.epoch_ms('interval_start_at') }} as interval_ms,
    {{ seconds | join(', ') }},
    agent_non_response, api_version, collected_at,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_staged_at
from {{ connect_wfm.newest_per_key('typed', ['instance_id', 'agent_id', 'interval_start_at']) }} as newest
{% endif %}
