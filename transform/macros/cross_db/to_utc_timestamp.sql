{# -- a raw timestamp (timestamptz, or an ISO-8601 string with offset) → UTC timestamp ---- #}
{% macro to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'connect_wfm')(expr)) }}
{%- endmacro %}
{% macro default__to_utc_timestamp(expr) -%}
    (cast(cast({{ expr }} as {{ dbt.type_string() }}) as timestamptz) at time zone 'UTC')
{%- endmacro %}
{% macro postgres__to_utc_timestamp(expr) -%}
    (cast({{ expr }} as timestamptz) at time zone 'UTC')
{%- endmacro %}
{% macro duckdb__to_utc_timestamp(expr) -%}
    cast(cast({{ expr }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}
{% macro sqlserver__to_utc_timestamp(expr) -%}
    cast(switchoffset(cast({{ expr }} as datetimeoffset(3)), '+00:00') as datetime2(3))
{%- endmacro %}
