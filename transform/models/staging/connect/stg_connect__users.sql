-- One row per instance × user: the newest version (users replicate incrementally, and a
-- loader that appends keeps every version). Deleted users stay, flagged.
with ranked as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(user_arn as {{ dbt.type_string() }}) as user_arn,
        cast(username as {{ dbt.type_string() }}) as username,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(routing_profile_id as {{ dbt.type_string() }}) as routing_profile_id,
        cast(hierarchy_group_id as {{ dbt.type_string() }}) as hierarchy_group_id,
        {{ connect_wfm.to_utc_timestamp('last_modified_time') }} as last_modified_at,
        {{ connect_wfm.bool_of(connect_wfm.is_true('is_deleted')) }} as is_deleted,
        {{ connect_wfm.to_utc_timestamp('deleted_detected_at') }} as deleted_detected_at,
        row_number() over (
            partition by instance_id, user_id
            order by
                case when {{ connect_wfm.is_true('is_deleted') }} then 1 else 0 end desc,
                {{ connect_wfm.to_utc_timestamp('last_modified_time') }} desc
        ) as row_rank
    from {{ source('connect', 'users') }}
)
select instance_id, user_id, user_arn, username, first_name, last_name, email,
       routing_profile_id, hierarchy_group_id, last_modified_at, is_deleted, deleted_detected_at
from ranked
where row_rank = 1
