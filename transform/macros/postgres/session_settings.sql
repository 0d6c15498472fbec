{#- Session settings before each model (a pre-hook for every model, dbt_project.yml).
    Postgres:
    - no JIT: the planner prices the numbers query and the window-function chains at
      millions of rows, so JIT compiled for seconds while an incremental run touches a few
      thousand rows (measured: 2.1 s of JIT for a 2 ms query);
    - UTC: target-postgres stores date-times as timestamp without time zone (UTC), which a
      cast to timestamptz would read in the session's time zone;
    - work_mem (var postgres_work_mem, checked by macros/vars/postgres_work_mem.sql; null leaves the server's): full builds sort millions
      of state pieces, which spill to disk at the default 4 MB. #}
{% macro session_settings() -%}
    {{ return(adapter.dispatch('session_settings', 'connect_wfm')()) }}
{%- endmacro %}
{% macro default__session_settings() -%}{%- endmacro %}
{% macro postgres__session_settings() -%}
    {%- set work_mem = connect_wfm.postgres_work_mem() %}
    set jit = off; set timezone = 'UTC'
    {%- if work_mem %}; set work_mem = {{ work_mem }}{% endif %}
{%- endmacro %}
