{# -- an 8-byte float (dbt.type_float() is a 4-byte REAL on DuckDB) -------------------------- #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'connect_wfm')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro sqlserver__type_double() -%}float{%- endmacro %}
