-- One row per instance × agent (Connect user). Deleted users stay, inactive: their history
-- in the other tables keeps its agent.
with zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
)

select
    u.instance_id,
    u.user_id as agent_id,
    u.user_arn as agent_arn,
    u.username,
    u.first_name,
    u.last_name,
    u.email,
    u.routing_profile_id,
    rp.routing_profile_name,
    u.hierarchy_group_id,
    hg.hierarchy_group_name,
    {{ connect_wfm.bool_of('not ' ~ connect_wfm.is_true('u.is_deleted')) }} as is_active,
    u.deleted_detected_at,
    u.last_modified_at,
    cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone
from {{ ref('stg_connect__users') }} as u
left join {{ ref('stg_connect__routing_profiles') }} as rp
    on rp.instance_id = u.instance_id and rp.routing_profile_id = u.routing_profile_id
left join {{ ref('stg_connect__user_hierarchy_groups') }} as hg
    on hg.instance_id = u.instance_id and hg.hierarchy_group_id = u.hierarchy_group_id
left join zones on zones.instance_id = u.instance_id
