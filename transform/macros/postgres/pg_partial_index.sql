{#- Postgres: a partial index on a model's table (dbt's `indexes` config has no WHERE), made
    by a post-hook when missing. On a full refresh the replaced table, dropped after the
    hooks, still holds the index's name: its index is dropped first. Other engines: nothing. -#}
{% macro pg_partial_index(name, columns, condition) %}
    {{ return(adapter.dispatch('pg_partial_index', 'connect_wfm')(name, columns, condition)) }}
{% endmacro %}
{% macro default__pg_partial_index(name, columns, condition) %}{% endmacro %}
{% macro postgres__pg_partial_index(name, columns, condition) %}
    {%- if execute -%}
    {%- if not connect_wfm.wfm_is_incremental() -%}
    drop index if exists {{ adapter.quote(this.schema) }}.{{ adapter.quote(name) }};
    {% endif -%}
    create index if not exists {{ adapter.quote(name) }} on {{ this }} ({{ columns | join(', ') }}) where {{ condition }}
    {%- endif -%}
{% endmacro %}
