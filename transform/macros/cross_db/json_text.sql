{% macro json_text(value_expr, path) -%}
    {{ return(adapter.dispatch('json_text', 'connect_wfm')(value_expr, path)) }}
{%- endmacro %}
{% macro default__json_text(value_expr, path) -%}
    ({{ value_expr }} #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}
{% macro duckdb__json_text(value_expr, path) -%}
    json_extract_string({{ value_expr }}, '$.{{ path | join('.') }}')
{%- endmacro %}
{% macro sqlserver__json_text(value_expr, path) -%}
    json_value({{ value_expr }}, '$.{{ path | join('.') }}')
{%- endmacro %}
