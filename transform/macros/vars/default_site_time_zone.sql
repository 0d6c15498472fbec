{#- The site time zone for instances the seed site_time_zones does not list, as a SQL literal. -#}
{% macro default_site_time_zone() -%}
    {%- set zone = var('default_site_time_zone', 'UTC') -%}
    {%- if target.type == 'sqlserver' -%}
        {%- set shape, must = '[A-Za-z0-9][A-Za-z0-9 .+-]{0,63}', 'a time zone name (on SQL Server a Windows name like W. Europe Standard Time)' -%}
    {%- else -%}
        {%- set shape, must = '[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,3}', 'a time zone name: an IANA name like Europe/Berlin or UTC' -%}
    {%- endif -%}
    {%- if zone is not string or zone | length > 64 or not modules.re.fullmatch(shape, zone) -%}
        {{ connect_wfm._bad_var('default_site_time_zone', zone, must) }}
    {%- endif -%}
    {{ return(connect_wfm.sql_string(zone)) }}
{%- endmacro %}
