{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'queue_id', 'channel', 'interval_start_at'],
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'queue_id', 'channel', 'interval_start_at'], 'unique': true},
            {'columns': ['instance_id', 'interval_start_at']},
        ]),
    )
}}
-- One row per instance × queue × channel × interval, densified: every queue × channel the
-- metrics ever mention gets a row for every interval of its instance's covered range (a
-- quiet interval is a row of zeros). Sums and counts are stored, so rows roll up exactly;
-- the ratios are computed from them (NULL where the denominator is zero):
--   aht_seconds            = handle_time_seconds / contacts_handled
--   asa_seconds            = queue_answer_time_seconds / contacts_handled
--   service_level_pct      = 100 * contacts_answered_in_threshold / contacts_offered
--   abandon_rate_pct       = 100 * contacts_abandoned / contacts_offered
--   avg_abandon_time_seconds = abandon_time_seconds / contacts_abandoned
-- Incremental: per instance, the grid is rebuilt from the earliest interval of the metric
-- rows collected since the last run (the tap re-reads a trailing window); from the start
-- when a queue × channel is new (it needs its zero rows back in time).
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with metrics as (
    select * from {{ ref('stg_connect__queue_interval_metrics') }}
),

queue_channels as (
    select distinct instance_id, queue_id, channel from metrics
),

{% if is_incremental() %}
known_combinations as (
    select distinct instance_id, queue_id, channel from {{ this }}
),

last_collected as (
    select instance_id, max(collected_at) as collected_at from {{ this }} group by instance_id
),

recompute_from as (
    select
        m.instance_id,
        min(case
            when k.queue_id is null then -1
            when l.collected_at is null or m.collected_at > l.collected_at then m.interval_start_ms
        end) as from_ms
    from metrics as m
    left join known_combinations as k
        on k.instance_id = m.instance_id and k.queue_id = m.queue_id and k.channel = m.channel
    left join last_collected as l
        on l.instance_id = m.instance_id
    group by m.instance_id
),
{% endif %}

instance_ranges as (
    select
        instance_id,
        {{ connect_wfm.int_div('min(interval_start_ms)', interval_ms) }} as first_idx,
        {{ connect_wfm.int_div('max(interval_start_ms)', interval_ms) }} as last_idx,
        max(service_level_threshold_seconds) as service_level_threshold_seconds
    from metrics
    group by instance_id
),

numbers as (
    {{ connect_wfm.numbers_query(var('calendar_digits', 5)) }}
),

-- The grid comes from the metrics' own range (not int_interval_calendar), so the history
-- marts build without agent events.
grid as (
    select
        qc.instance_id,
        qc.queue_id,
        qc.channel,
        {{ connect_wfm.from_epoch_ms('(r.first_idx + n.n) * ' ~ interval_ms) }} as interval_start_at,
        {{ connect_wfm.from_epoch_ms('(r.first_idx + n.n + 1) * ' ~ interval_ms) }} as interval_end_at,
        cast((r.first_idx + n.n) * {{ interval_ms }} as bigint) as interval_start_ms,
        r.service_level_threshold_seconds
    from queue_channels as qc
    inner join instance_ranges as r on r.instance_id = qc.instance_id
    inner join numbers as n on n.n <= r.last_idx - r.first_idx
),

zones as (
    select instance_id, time_zone from {{ ref('site_time_zones') }}
),

filled as (
    select
        g.instance_id,
        g.queue_id,
        g.channel,
        g.interval_start_at,
        g.interval_end_at,
        coalesce(m.contacts_offered, 0) as contacts_offered,
        coalesce(m.contacts_handled, 0) as contacts_handled,
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
        cast(coalesce(zones.time_zone, '{{ var("default_site_time_zone", "UTC") }}') as {{ dbt.type_string() }}) as site_time_zone
    from grid as g
    left join metrics as m
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
    cast(queue_answer_time_seconds / nullif(contacts_handled, 0) as {{ connect_wfm.type_double() }}) as asa_seconds,
    cast(100.0 * contacts_answered_in_threshold / nullif(contacts_offered, 0) as {{ connect_wfm.type_double() }}) as service_level_pct,
    cast(100.0 * contacts_abandoned / nullif(contacts_offered, 0) as {{ connect_wfm.type_double() }}) as abandon_rate_pct,
    cast(abandon_time_seconds / nullif(contacts_abandoned, 0) as {{ connect_wfm.type_double() }}) as avg_abandon_time_seconds
from filled
