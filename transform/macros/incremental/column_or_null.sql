{#- `relation`.`column`, or a NULL of `type` while the table predates that column: an
    incremental model's own lineage column read in its query runs before on_schema_change
    adds it. Not looked up without a database (compiling with wfm_force_is_incremental). -#}
{% macro column_or_null(relation, column, type) %}
    {%- if execute and var('wfm_force_is_incremental', none) is none and connect_wfm.column_type(relation, column) is none -%}
        {{ return('cast(null as ' ~ type ~ ')') }}
    {%- endif -%}
    {{ return(column) }}
{% endmacro %}
