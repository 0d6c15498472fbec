{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'queue_id', 'channel', 'interval_start_at'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'queue_id', 'channel', 'interval_start_at'], 'unique': true},
            {'columns': ['instance_id', 'queue_id', 'channel', 'interval_start_ms']},
            {'columns': ['collected_at']},
            {'columns': ['_wfm_staged_at']},
        ]),
    )
}}
-- One row per instance × queue × channel × interval_start: the tap re-reads a trailing
-- window, so the newest collected_at wins. Counts and sums only (see docs/data-contract.md).
-- Incremental: each run reads the raw rows collected since the newest one staged (minus a
-- look-back, var queue_metrics_lookback_minutes) and replaces the staged rows they are
-- newer than; a re-read that brings nothing newer writes nothing. `_wfm_staged_at` marks
-- the run that staged a row: wfm_interval_volume recomputes from the rows it marks.
{%- if connect_wfm.wfm_is_incremental() %}
    {%- set threshold = connect_wfm.inline_scalar(
        "select coalesce(" ~ dbt.dateadd('minute', -1 * var('queue_metrics_lookback_minutes', 180), 'max(w.collected_at)')
        ~ ", cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from " ~ this ~ " as w", dbt.type_timestamp()) %}
{%- endif %}

with typed as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(queue_id as {{ dbt.type_string() }}) as queue_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        {{ connect_wfm.to_utc_timestamp('interval_start') }} as interval_start_at,
        {{ connect_wfm.to_utc_timestamp('interval_end') }} as interval_end_at,
        cast(coalesce(contacts_offered, 0) as bigint) as contacts_offered,
        -- rows from before the tap had these columns: contacts_offered was CONTACTS_QUEUED,
        -- and queue answer time was taken over every handled contact
        cast(coalesce({{ connect_wfm.column_or_null(source('connect', 'queue_interval_metrics'), 'contacts_queued', 'bigint') }},
                      contacts_offered, 0) as bigint) as contacts_queued,
        cast(coalesce(contacts_handled, 0) as bigint) as contacts_handled,
        cast(coalesce({{ connect_wfm.column_or_null(source('connect', 'queue_interval_metrics'), 'contacts_handled_outbound', 'bigint') }},
                      0) as bigint) as contacts_handled_outbound,
        cast(coalesce({{ connect_wfm.column_or_null(source('connect', 'queue_interval_metrics'), 'contacts_answered', 'bigint') }},
                      contacts_handled, 0) as bigint) as contacts_answered,
        cast(coalesce(contacts_abandoned, 0) as bigint) as contacts_abandoned,
        cast(coalesce(contacts_answered_in_threshold, 0) as bigint) as contacts_answered_in_threshold,
        cast(service_level_threshold_seconds as integer) as service_level_threshold_seconds,
        cast(coalesce(handle_time_seconds, 0) as {{ connect_wfm.type_double() }}) as handle_time_seconds,
        cast(coalesce(talk_time_seconds, 0) as {{ connect_wfm.type_double() }}) as talk_time_seconds,
        cast(coalesce(hold_time_seconds, 0) as {{ connect_wfm.type_double() }}) as hold_time_seconds,
        cast(coalesce(after_contact_work_seconds, 0) as {{ connect_wfm.type_double() }}) as after_contact_work_seconds,
        cast(coalesce(queue_answer_time_seconds, 0) as {{ connect_wfm.type_double() }}) as queue_answer_time_seconds,
        cast(coalesce(abandon_time_seconds, 0) as {{ connect_wfm.type_double() }}) as abandon_time_seconds,
        cast(coalesce(contacts_transferred_out, 0) as bigint) as contacts_transferred_out,
        cast(coalesce(max_queued_seconds, 0) as {{ connect_wfm.type_double() }}) as max_queued_seconds,
        cast(api_version as {{ dbt.type_string() }}) as api_version,
        {{ connect_wfm.to_utc_timestamp('collected_at') }} as collected_at
    from {{ source('connect', 'queue_interval_metrics') }}
    {% if connect_wfm.wfm_is_incremental() %}
    where {{ connect_wfm.loaded_since(source('connect', 'queue_interval_metrics'), 'collected_at', threshold) }}
    {% endif %}
)

select
    instance_id, queue_id, channel, interval_start_at, interval_end_at,
    {{ connect_wfm.epoch_ms('interval_start_at') }} as interval_start_ms,
    contacts_offered, contacts_queued, contacts_handled, contacts_handled_outbound, contacts_answered,
    contacts_abandoned, contacts_answered_in_threshold,
    service_level_threshold_seconds, handle_time_seconds, talk_time_seconds, hold_time_seconds,
    after_contact_work_seconds, queue_answer_time_seconds, abandon_time_seconds,
    contacts_transferred_out, max_queued_seconds, api_version, collected_at,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_staged_at
from {{ connect_wfm.newest_per_key('typed', ['instance_id', 'queue_id', 'channel', 'interval_start_at']) }} as newest
