{# -- raw rows loaded since a UTC timestamp: sargable on Postgres when the raw column is a
      timestamptz (an index on it then serves the incremental staging) -------------------- #}
{% macro loaded_since(relation, column, threshold) -%}
    {{ return(adapter.dispatch('loaded_since', 'connect_wfm')(relation, column, threshold)) }}
{%- endmacro %}
{% macro default__loaded_since(relation, column, threshold) -%}
    {{ connect_wfm.to_utc_timestamp(column) }} >= {{ threshold }}
{%- endmacro %}
{% macro postgres__loaded_since(relation, column, threshold) -%}
    {%- set data_type = connect_wfm.column_type(relation, column) or '' -%}
    {%- if 'with time zone' in data_type -%}
    {{ column }} >= ({{ threshold }} at time zone 'UTC')
    {%- elif 'timestamp' in data_type -%}
    {#- target-postgres writes date-times as timestamp without time zone, in UTC -#}
    {{ column }} >= {{ threshold }}
    {%- else -%}
    {{ connect_wfm.to_utc_timestamp(column) }} >= {{ threshold }}
    {%- endif -%}
{%- endmacro %}
