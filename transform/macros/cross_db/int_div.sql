{# -- integer division of bigints (DuckDB's / is a float division) --------------------------- #}
{% macro int_div(a, b) -%}
    {{ return(adapter.dispatch('int_div', 'connect_wfm')(a, b)) }}
{%- endmacro %}
{% macro default__int_div(a, b) -%}
    (({{ a }}) / ({{ b }}))
{%- endmacro %}
{% macro duckdb__int_div(a, b) -%}
    (({{ a }}) // ({{ b }}))
{%- endmacro %}
