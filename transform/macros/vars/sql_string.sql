{#- `value` as a SQL string literal, a quote doubled ('' for '). -#}
{% macro sql_string(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}
