{#- Postgres, after a model's table was built from scratch (a table, or a full refresh of an
    incremental model): ANALYZE it. Until autovacuum gets to it the planner has no
    statistics and guesses a third of the table for every watermark filter of the next
    incremental run (measured at 30 days: sequential scans of 5 M rows, 4 s a model). -#}
{% macro analyze_rebuilt_table() %}
    {{ return(adapter.dispatch('analyze_rebuilt_table', 'connect_wfm')()) }}
{% endmacro %}
{% macro default__analyze_rebuilt_table() %}{% endmacro %}
{% macro postgres__analyze_rebuilt_table() %}
    {%- if execute and model.config.materialized in ('table', 'incremental') and not connect_wfm.wfm_is_incremental() -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
