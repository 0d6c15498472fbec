with ranked as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(hierarchy_group_id as {{ dbt.type_string() }}) as hierarchy_group_id,
        cast(hierarchy_group_arn as {{ dbt.type_string() }}) as hierarchy_group_arn,
        cast(hierarchy_group_name as {{ dbt.type_string() }}) as hierarchy_group_name,
        cast(level_id as {{ dbt.type_string() }}) as level_id,
        cast(parent_group_id as {{ dbt.type_string() }}) as parent_group_id,
        {{ connect_wfm.to_utc_timestamp('last_modified_time') }} as last_modified_at,
        row_number() over (
            partition by instance_id, hierarchy_group_id
            order by {{ connect_wfm.to_utc_timestamp('last_modified_time') }} desc
        ) as row_rank
    from {{ source('connect', 'user_hierarchy_groups') }}
)
select instance_id, hierarchy_group_id, hierarchy_group_arn, hierarchy_group_name, level_id,
       parent_group_id, last_modified_at
from ranked
where row_rank = 1
