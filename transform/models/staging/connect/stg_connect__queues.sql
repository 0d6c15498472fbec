with ranked as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(queue_id as {{ dbt.type_string() }}) as queue_id,
        cast(queue_arn as {{ dbt.type_string() }}) as queue_arn,
        cast(queue_name as {{ dbt.type_string() }}) as queue_name,
        cast(queue_type as {{ dbt.type_string() }}) as queue_type,
        {{ connect_wfm.to_utc_timestamp('last_modified_time') }} as last_modified_at,
        row_number() over (
            partition by instance_id, queue_id
            order by {{ connect_wfm.to_utc_timestamp('last_modified_time') }} desc
        ) as row_rank
    from {{ source('connect', 'queues') }}
)
select instance_id, queue_id, queue_arn, queue_name, queue_type, last_modified_at
from ranked
where row_rank = 1
