{#- A JSON column as JSON text. target-postgres stores a JSON array of objects as jsonb[]
    (a Postgres array), whose text form is not JSON: turn such a column into a JSON array. #}
{% macro json_as_text(relation, column) -%}
    {{ return(adapter.dispatch('json_as_text', 'connect_wfm')(relation, column)) }}
{%- endmacro %}
{% macro default__json_as_text(relation, column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}
{% macro postgres__json_as_text(relation, column) -%}
    {%- if connect_wfm.column_is_array(relation, column) -%}
        cast(array_to_json({{ column }}) as text)
    {%- else -%}
        cast({{ column }} as text)
    {%- endif -%}
{%- endmacro %}
