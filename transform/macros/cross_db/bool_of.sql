{% macro bool_of(predicate) -%}
    {{ return(adapter.dispatch('bool_of', 'connect_wfm')(predicate)) }}
{%- endmacro %}
{% macro default__bool_of(predicate) -%}
    (case when {{ predicate }} then true else false end)
{%- endmacro %}
{% macro sqlserver__bool_of(predicate) -%}
    cast(case when {{ predicate }} then 1 else 0 end as bit)
{%- endmacro %}
