{#- The value of a one-row, one-column query, inlined as a literal of `type` (or null), for
    the watermarks of the incremental models: read before the model's own query runs, so the
    planner sees how few rows are newer and uses the index. With the watermark left as a
    subquery Postgres guesses a third of the table and scans it (measured at 30 days: 15 s
    for 2,670 new agent events, 5 M scanned). Without a database (compiling for SQL Server
    with --no-introspect) or outside execution, the subquery itself is returned. -#}
{% macro inline_scalar(query, type) %}
    {%- if not execute or var('wfm_force_is_incremental', none) is not none -%}
        {{ return('(' ~ query ~ ')') }}
    {%- endif -%}
    {%- set value = run_query('select cast((' ~ query ~ ') as ' ~ dbt.type_string() ~ ')').columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return('cast(null as ' ~ type ~ ')') }}
    {%- endif -%}
    {{ return("cast('" ~ (value | replace("'", "''")) ~ "' as " ~ type ~ ")") }}
{% endmacro %}

{#- An incremental model's timestamp watermark: the newest `column` in `relation` (1900-01-01
    while empty), inlined. -#}
{% macro watermark(relation, column) %}
    {{ return(connect_wfm.inline_scalar(
        "select coalesce(max(w." ~ column ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from "
        ~ relation ~ " as w", dbt.type_timestamp())) }}
{% endmacro %}

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

{#- Postgres, after a model's table was built from scratch (a table, or a full refresh of an
    incremental model): ANALYZE it. Until autovacuum gets to it the planner has no
    statistics and guesses a third of the table for every watermark filter of the next
    incremental run (measured at 30 days: sequential scans of 5 M rows, 4 s a model). -#}
{% macro analyze_rebuilt_table() %}
    {{ return(adapter.dispatch('analyze_rebuilt_table', 'connect_wfm')()) }}
{% endmacro %}
{% macro default__analyze_rebuilt_table() %}{% endmacro %}
{% macro postgres__analyze_rebuilt_table() %}
    {%- if execute and model.config.materialized in ('table', 'incremental') and not is_incremental() -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}

{#- `relation`.`column`, or a NULL of `type` while the table predates that column: an
    incremental model's own lineage column read in its query runs before on_schema_change
    adds it. Not looked up without a database (compiling with wfm_force_is_incremental). -#}
{% macro column_or_null(relation, column, type) %}
    {%- if execute and var('wfm_force_is_incremental', none) is none and connect_wfm.column_type(relation, column) is none -%}
        {{ return('cast(null as ' ~ type ~ ')') }}
    {%- endif -%}
    {{ return(column) }}
{% endmacro %}
