{#- dbt's is_incremental(), with one addition: var wfm_force_is_incremental (true/false)
    decides without asking the database, so `dbt compile --no-introspect` (SQL Server, no
    server at hand) renders either branch of the incremental models for checking. -#}
{% macro is_incremental() %}
    {%- set forced = var('wfm_force_is_incremental', none) -%}
    {%- if forced is not none -%}
        {{ return(execute and forced and model.config.materialized == 'incremental') }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
