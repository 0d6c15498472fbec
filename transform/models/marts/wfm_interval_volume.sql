{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'queue_id', 'channel', 'interval_start_at'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'queue_id', 'channel', 'interval_start_at'], 'unique': true},
            {'columns': ['instance_id', 'interval_start_at']},
            {'columns': ['_wfm_metrics_staged_through']},
        ]),
    )
}}
-- One row per instance × queue × channel × interval, densified: every queue × channel the
-- metrics ever mention gets a row for every interval of its instance's covered range (a
-- quiet interval is a row of zeros). Sums and counts are stored, so rows roll up exactly;
-- the ratios are computed from them (NULL where the denominator is zero), each over the
-- count its figures were taken from. contacts_offered counts contacts in the interval they
-- were queued (the forecast volume; GetMetricDataV2's CONTACTS_QUEUED_BY_ENQUEUE); every
-- other figure counts in the interval the contact disconnected, as Connect attributes
-- them (docs/data-contract.md), so the rates divide by contacts_queued, not offered:
--   aht_seconds            = handle_time_seconds / contacts_handled (outbound included)
--   asa_seconds            = queue_answer_time_seconds / contacts_answered (answered from queue)
--   service_level_pct      = 100 * contacts_answered_in_threshold / contacts_queued
--   abandon_rate_pct       = 100 * contacts_abandoned / contacts_queued
--   avg_abandon_time_seconds = abandon_time_seconds / contacts_abandoned
-- Incremental: per instance, the grid is rebuilt from the earliest interval of the metric
-- rows staged since the last run (the tap re-reads a trailing window); a queue × channel
-- new to this table from the instance's first interval (its zero rows back in time).
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

{%- set metrics = ref('stg_connect__queue_interval_metrics') %}
{#- referenced directly, not as a CTE: Postgres would materialize a CTE used several times #}

with

-- every queue × channel the metrics ever mention, with its range
queue_channels as (
    select instance_id, queue_id, channel,
           first_interval_ms as first_ms,
           last_interval_ms as last_ms,
           service_level_threshold_seconds
    from {{ ref('int_queue_channel_series') }}
),

instance_ranges as (
    select
        instance_id,
        {{ connect_wfm.int_div('min(first_ms)', interval_ms) }} as first_idx,
        {{ connect_wfm.int_div('max(last_ms)', interval_ms) }} as last_idx,
        max(service_level_threshold_seconds) as service_level_threshold_seconds
    from queue_channels
    group by instance_id
),

{% if connect_wfm.wfm_is_incremental() %}
changed as (
    select instance_id, queue_id, channel, min(interval_start_ms) as first_changed_ms
    from {{ metrics }}
    where _wfm_staged_at > {{ connect_wfm.watermark(this, '_wfm_metrics_staged_through') }}
    group by instance_id, queue_id, channel
),

new_queue_channels as (
    -- a queue × channel this table has never seen: its zero rows reach back to the start
    select c.instance_id, c.queue_id, c.channel
    from changed as c
    where not exists (
        select 1 from {{ this }} as t
        where t.instance_id = c.instance_id and t.queue_id = c.queue_id and t.channel = c.channel)
),

recompute_ranges as (
    -- per instance, every queue × channel from the earliest changed interval (new intervals
    -- at the end give every queue × channel its zero rows)
    select
        r.instance_id,
        r.first_idx,
        {{ connect_wfm.int_div('min(c.first_changed_ms)', interval_ms) }} as from_idx,
        r.last_idx,
        r.service_level_threshold_seconds
    from instance_ranges as r
    inner join changed as c on c.instance_id = r.instance_id
    group by r.instance_id, r.first_idx, r.last_idx, r.service_level_threshold_seconds
),

queue_channel_ranges as (
    select
        qc.instance_id,
        qc.queue_id,
        qc.channel,
        case when n.queue_id is not null then r.first_idx else r.from_idx end as from_idx,
        r.last_idx,
        r.service_level_threshold_seconds
    from queue_channels as qc
    inner join recompute_ranges as r on r.instance_id = qc.instance_id
    left join new_queue_channels as n
        on n.instance_id = qc.instance_id and n.queue_id = qc.queue_id and n.channel = qc.channel
),
{% else %}
queue_channel_ranges as (
    select
        qc.instance_id,
        qc.queue_id,
        qc.channel,
        r.first_idx as from_idx,
        r.last_idx,
        r.service_level_threshold_seconds
    from queue_channels as qc
    inner join instance_ranges as r on r.instance_id = qc.instance_id
),
{% endif %}

numbers as (
    -- cut to the longest range first: joined whole, each range was compared with all 10^5
    -- numbers (22 M comparisons, 2.9 s, for 224 series a few intervals long)
    select n
    from ({{ connect_wfm.numbers_query(var('calendar_digits', 5)) }}) as all_numbers
    where n <= (select max(last_idx - from_idx) from queue_channel_ranges)
),

-- The grid comes from the metrics' own range (not int_interval_calendar), so the history
-- marts build without agent events.
grid as (
    select
        qr.instance_id,
        qr.queue_id,
        qr.channel,
        {{ connect_wfm.from_epoch_ms('(qr.from_idx + n.n) * ' ~ interval_ms) }} as interval_start_at,
        {{ connect_wfm.from_epoch_ms('(qr.from_idx + n.n + 1) * ' ~ interval_ms) }} as interval_end_at,
        cast((qr.from_idx + n.n) * {{ interval_ms }} as bigint) as interval_start_ms,
        qr.service_level_threshold_seconds
    from queue_channel_ranges as qr
    inner join numbers as n on n.n <= qr.last_idx - qr.from_idx
),

grid_metrics as (
    select m.*
    from {{ metrics }} as m
    inner join queue_channel_ranges as qr
        on qr.instance_id = m.instance_id
       and qr.queue_id = m.queue_id
       and qr.channel = m.channel
       and m.interval_start_ms >= qr.from_idx * {{ interval_ms }}
),

zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
),

filled as (
    select
        g.instance_id,
        g.queue_id,
        g.channel,
        g.interval_start_at,
        g.interval_end_at,
        coalesce(m.contacts_offered, 0) as contacts_offered,
        coalesce(m.contacts_queued, 0) as contacts_queued,
        coalesce(m.contacts_handled, 0) as contacts_handled,
        coalesce(m.contacts_handled_outbound, 0) as contacts_handled_outbound,
        coalesce(m.contacts_answered, 0) as contacts_answered,
        coalesce(m.contacts_abandoned, 0) as contacts_abandoned,
        coalesce(m.contacts_answered_in_threshold, 0) as contacts_answered_in_threshold,
        coalesce(m.service_level_threshold_seconds, g.service_level_threshold_seconds) as service_level_threshold_seconds,
        coalesce(m.handle_time_seconds, 0) as handle_time_seconds,
        coalesce(m.talk_time_seconds, 0) as talk_time_seconds,
        coalesce(m.hold_time_seconds, 0) as hold_time_seconds,
        coalesce(m.after_contact_work_seconds, 0) as after_contact_work_seconds,
        coalesce(m.queue_answer_time_seconds, 0) as queue_answer_time_seconds,
        coalesce(m.abandon_time_seconds, 0) as abandon_time_seconds,
        coalesce(m.contacts_transferred_out, 0) as contacts_transferred_out,
        coalesce(m.max_queued_seconds, 0) as max_queued_seconds,
        m.api_version,
        m.collected_at,
        {{ connect_wfm.bool_of('m.queue_id is not null') }} as has_source_row,
        cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone
    from grid as g
    left join grid_metrics as m
        on m.instance_id = g.instance_id
       and m.queue_id = g.queue_id
       and m.channel = g.channel
       and m.interval_start_ms = g.interval_start_ms
    left join zones on zones.instance_id = g.instance_id
)

select
    filled.*,
    {{ connect_wfm.utc_to_local('interval_start_at', 'site_time_zone') }} as interval_start_local,
    cast(handle_time_seconds / nullif(contacts_handled, 0) as {{ connect_wfm.type_double() }}) as aht_seconds,
    cast(queue_answer_time_seconds / nullif(contacts_answered, 0) as {{ connect_wfm.type_double() }}) as asa_seconds,
    cast(100.0 * contacts_answered_in_threshold / nullif(contacts_queued, 0) as {{ connect_wfm.type_double() }}) as service_level_pct,
    cast(100.0 * contacts_abandoned / nullif(contacts_queued, 0) as {{ connect_wfm.type_double() }}) as abandon_rate_pct,
    cast(abandon_time_seconds / nullif(contacts_abandoned, 0) as {{ connect_wfm.type_double() }}) as avg_abandon_time_seconds,
    (select max(_wfm_staged_at) from {{ ref('stg_connect__queue_interval_metrics') }}) as _wfm_metrics_staged_through
from filled
