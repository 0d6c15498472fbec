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
