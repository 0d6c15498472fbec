{#- Whether a relation (e.g. an optional stream's raw table) exists. Assumed to when nothing
    runs (parsing) or without a database (compiling with wfm_force_is_incremental). -#}
{% macro relation_exists(relation) %}
    {%- if not execute or var('wfm_force_is_incremental', none) is not none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                   identifier=relation.identifier) is not none) }}
{% endmacro %}
