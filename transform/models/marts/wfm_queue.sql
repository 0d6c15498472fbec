-- One row per instance × queue: the data collection points WFM imports.
with zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
)

select
    q.instance_id,
    q.queue_id,
    q.queue_arn,
    q.queue_name,
    q.queue_type,
    {{ connect_wfm.bool_of("q.queue_type = 'STANDARD'") }} as is_standard,
    i.instance_alias,
    cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone,
    q.last_modified_at
from {{ ref('stg_connect__queues') }} as q
left join {{ ref('stg_connect__instances') }} as i on i.instance_id = q.instance_id
left join zones on zones.instance_id = q.instance_id
