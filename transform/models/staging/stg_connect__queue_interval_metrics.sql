-- One row per instance × queue × channel × interval_start: the tap re-reads a trailing
-- window, so the newest collected_at wins. Counts and sums only (see wfm-tables.md).
with typed as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(queue_id as {{ dbt.type_string() }}) as queue_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        {{ connect_wfm.to_utc_timestamp('interval_start') }} as interval_start_at,
        {{ connect_wfm.to_utc_timestamp('interval_end') }} as interval_end_at,
        cast(coalesce(contacts_offered, 0) as bigint) as contacts_offered,
        cast(coalesce(contacts_handled, 0) as bigint) as contacts_handled,
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
),

ranked as (
    select
        typed.*,
        row_number() over (
            partition by instance_id, queue_id, channel, interval_start_at
            order by collected_at desc
        ) as row_rank
    from typed
)

select
    instance_id, queue_id, channel, interval_start_at, interval_end_at,
    {{ connect_wfm.epoch_ms('interval_start_at') }} as interval_start_ms,
    contacts_offered, contacts_handled, contacts_abandoned, contacts_answered_in_threshold,
    service_level_threshold_seconds, handle_time_seconds, talk_time_seconds, hold_time_seconds,
    after_contact_work_seconds, queue_answer_time_seconds, abandon_time_seconds,
    contacts_transferred_out, max_queued_seconds, api_version, collected_at
from ranked
where row_rank = 1
