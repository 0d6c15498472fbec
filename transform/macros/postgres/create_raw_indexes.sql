{#- on-run-start (dbt_project.yml): on Postgres, index the columns the incremental staging
    models read new raw rows by (agent events, queue and agent metrics by their loaded-at column),
    so each run reads only the newest rows instead of scanning the raw tables. Idempotent;
    the first run on a large table builds the index once. var create_raw_indexes: false
    leaves the raw schema alone (then create them yourself, see transform/README.md). -#}
{% macro create_raw_indexes() %}
    {{ return(adapter.dispatch('create_raw_indexes', 'connect_wfm')()) }}
{% endmacro %}
{% macro default__create_raw_indexes() %}{% endmacro %}
{% macro postgres__create_raw_indexes() %}
    {%- if execute and var('create_raw_indexes', true) -%}
        {%- set wanted = {
            'agent_events': var('agent_events_loaded_at_column', 'collected_at'),
            'queue_interval_metrics': 'collected_at',
            'agent_activity_metrics': 'collected_at',
        } -%}
        {%- for stream, column in wanted.items() -%}
            {%- set relation = adapter.get_relation(
                    database=var('raw_database', none) or target.database,
                    schema=var('raw_schema', 'raw'),
                    identifier=var('raw_tables')[stream]) -%}
            {%- if relation is not none and connect_wfm.column_type(relation, column) is not none -%}
                {%- do run_query('create index if not exists "' ~ relation.identifier ~ '__wfm_' ~ column ~ '" on '
                                 ~ relation ~ ' (' ~ adapter.quote(column) ~ ')') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
