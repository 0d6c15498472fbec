{# -- dbt-duckdb's current_timestamp is now(), a TIMESTAMPTZ: cast to the models' timestamp it
   becomes the machine's local time (DuckDB's TimeZone setting follows the system's), and the
   watermarks (_wfm_staged_at, _wfm_written_at) would go back an hour when that zone leaves
   summer time: the incremental models would skip what was written in that hour. UTC, as on
   SQL Server (sqlserver__current_timestamp); PostgreSQL sessions are UTC already
   (postgres__session_settings). #}
{% macro duckdb__current_timestamp() -%}
    (now() at time zone 'UTC')
{%- endmacro %}
