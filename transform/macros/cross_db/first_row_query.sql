{#- The first row's `columns` of `relation` ordered by `order_by` (a query; T-SQL has TOP, not LIMIT). -#}
{% macro first_row_query(columns, relation, order_by) %}
    {{ return(adapter.dispatch('first_row_query', 'connect_wfm')(columns, relation, order_by)) }}
{% endmacro %}
{% macro default__first_row_query(columns, relation, order_by) -%}
    select {{ columns }} from {{ relation }} order by {{ order_by }} limit 1
{%- endmacro %}
{% macro sqlserver__first_row_query(columns, relation, order_by) -%}
    select top 1 {{ columns }} from {{ relation }} order by {{ order_by }}
{%- endmacro %}
