with ranked as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(routing_profile_id as {{ dbt.type_string() }}) as routing_profile_id,
        cast(routing_profile_arn as {{ dbt.type_string() }}) as routing_profile_arn,
        cast(routing_profile_name as {{ dbt.type_string() }}) as routing_profile_name,
        {{ connect_wfm.to_utc_timestamp('last_modified_time') }} as last_modified_at,
        row_number() over (
            partition by instance_id, routing_profile_id
            order by {{ connect_wfm.to_utc_timestamp('last_modified_time') }} desc
        ) as row_rank
    from {{ source('connect', 'routing_profiles') }}
)
select instance_id, routing_profile_id, routing_profile_arn, routing_profile_name, last_modified_at
from ranked
where row_rank = 1
