{# -- booleans: a predicate from a boolean column, and a boolean value from a predicate ------ #}
{% macro is_true(expr) -%}
    {{ return(adapter.dispatch('is_true', 'connect_wfm')(expr)) }}
{%- endmacro %}
{% macro default__is_true(expr) -%}
    coalesce(cast({{ expr }} as boolean), false)
{%- endmacro %}
{% macro sqlserver__is_true(expr) -%}
    (coalesce(cast({{ expr }} as bit), 0) = 1)
{%- endmacro %}
