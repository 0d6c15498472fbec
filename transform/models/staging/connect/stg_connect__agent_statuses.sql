with ranked as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(agent_status_id as {{ dbt.type_string() }}) as agent_status_id,
        cast(agent_status_arn as {{ dbt.type_string() }}) as agent_status_arn,
        cast(agent_status_name as {{ dbt.type_string() }}) as agent_status_name,
        cast(agent_status_type as {{ dbt.type_string() }}) as agent_status_type,
        {{ connect_wfm.to_utc_timestamp('last_modified_time') }} as last_modified_at,
        row_number() over (
            partition by instance_id, agent_status_id
            order by {{ connect_wfm.to_utc_timestamp('last_modified_time') }} desc
        ) as row_rank
    from {{ source('connect', 'agent_statuses') }}
)
select instance_id, agent_status_id, agent_status_arn, agent_status_name, agent_status_type, last_modified_at
from ranked
where row_rank = 1
