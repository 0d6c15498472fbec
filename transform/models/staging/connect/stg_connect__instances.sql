select
    cast(instance_id as {{ dbt.type_string() }}) as instance_id,
    cast(instance_arn as {{ dbt.type_string() }}) as instance_arn,
    cast(instance_alias as {{ dbt.type_string() }}) as instance_alias,
    cast(instance_status as {{ dbt.type_string() }}) as instance_status,
    {{ connect_wfm.to_utc_timestamp('created_time') }} as created_at
from {{ source('connect', 'instances') }}
