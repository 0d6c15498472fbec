-- Each Connect instance's site time zone (the operator's configuration: Connect does not
-- expose a site's zone). One owner: var site_time_zones_relation names the operator's
-- table (`schema.table`, columns instance_id and time_zone; env WFM_SITE_TIME_ZONES_RELATION),
-- else the seed site_time_zones. Instances listed by neither use var default_site_time_zone.
-- The zones are IANA names (Windows names on SQL Server), checked by this model's tests.
{%- if var('site_time_zones_relation', none) %}
    {%- set zones_source = var('site_time_zones_relation') %}
{%- else %}
    {%- set zones_source = ref('site_time_zones') %}
{%- endif %}

select
    cast(instance_id as {{ dbt.type_string() }}) as instance_id,
    cast(time_zone as {{ dbt.type_string() }}) as time_zone
from {{ zones_source }}
where instance_id is not null and time_zone is not null
