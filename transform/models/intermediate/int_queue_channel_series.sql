{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'queue_id', 'channel'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'queue_id', 'channel'], 'unique': true},
        ]),
    )
}}
-- One row per instance × queue × channel the interval metrics ever mention: the first and
-- last interval it has a row for and its service level threshold. wfm_interval_volume
-- densifies from this list, so it need not aggregate every staged metric row on each run.
-- Incremental: the series of the rows staged since the last run are merged with their
-- earlier row (a staged row never disappears: the tap's re-reads replace it).
{%- set metrics = ref('stg_connect__queue_interval_metrics') %}

with staged as (
    select
        instance_id,
        queue_id,
        channel,
        min(interval_start_ms) as first_interval_ms,
        max(interval_start_ms) as last_interval_ms,
        max(service_level_threshold_seconds) as service_level_threshold_seconds,
        max(_wfm_staged_at) as _wfm_metrics_staged_through
    from {{ metrics }}
    {% if connect_wfm.wfm_is_incremental() %}
    where _wfm_staged_at > {{ connect_wfm.watermark(this, '_wfm_metrics_staged_through') }}
    {% endif %}
    group by instance_id, queue_id, channel
)

{% if connect_wfm.wfm_is_incremental() %}
, merged as (
    select * from staged
    union all
    select
        t.instance_id,
        t.queue_id,
        t.channel,
        t.first_interval_ms,
        t.last_interval_ms,
        t.service_level_threshold_seconds,
        t._wfm_metrics_staged_through
    from {{ this }} as t
    inner join staged as s
        on s.instance_id = t.instance_id and s.queue_id = t.queue_id and s.channel = t.channel
)

select
    instance_id,
    queue_id,
    channel,
    min(first_interval_ms) as first_interval_ms,
    max(last_interval_ms) as last_interval_ms,
    max(service_level_threshold_seconds) as service_level_threshold_seconds,
    max(_wfm_metrics_staged_through) as _wfm_metrics_staged_through
from merged
group by instance_id, queue_id, channel
{% else %}
select * from staged
{% endif %}
