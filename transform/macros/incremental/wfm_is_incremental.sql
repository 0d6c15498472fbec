{#- dbt's connect_wfm.wfm_is_incremental(), with one addition: var wfm_force_is_incremental (true/false)
    decides without asking the database, so `dbt compile --no-introspect` (SQL Server, no
    server at hand) renders either branch of the incremental models for checking
    (tests/transform/test_sqlserver_compile.py). The project's models and macros call this
    one, by name; dbt's own connect_wfm.wfm_is_incremental() is not overridden and keeps its meaning. -#}
{% macro wfm_is_incremental() %}
    {%- set forced = var('wfm_force_is_incremental', none) -%}
    {%- if forced is not none -%}
        {{ return(execute and forced and model.config.materialized == 'incremental') }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
