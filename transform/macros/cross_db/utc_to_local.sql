{# -- UTC timestamp → wall-clock time in an IANA time zone (a column or a literal) ----------- #}
{% macro utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'connect_wfm')(ts, tz)) }}
{%- endmacro %}
{% macro default__utc_to_local(ts, tz) -%}
    (({{ ts }} at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}
{% macro duckdb__utc_to_local(ts, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ ts }}))
{%- endmacro %}
{% macro sqlserver__utc_to_local(ts, tz) -%}
    {#- SQL Server knows Windows zone names (sys.time_zone_info), not IANA ones: list the
        Windows name in the seed site_time_zones for SQL Server. -#}
    cast(({{ ts }} at time zone 'UTC') at time zone {{ tz }} as datetime2(3))
{%- endmacro %}
