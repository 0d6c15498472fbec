-- Real-time snapshots, one row per instance × queue × channel × collected_at (append).
-- Only the columns every tap version writes are typed here; the counts stay as loaded.
select distinct
    cast(instance_id as {{ dbt.type_string() }}) as instance_id,
    cast(queue_id as {{ dbt.type_string() }}) as queue_id,
    cast(channel as {{ dbt.type_string() }}) as channel,
    {{ connect_wfm.to_utc_timestamp('collected_at') }} as collected_at,
    cast(oldest_contact_age_seconds as {{ connect_wfm.type_double() }}) as oldest_contact_age_seconds
from {{ source('connect', 'queue_current_metrics') }}
