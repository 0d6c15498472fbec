{# -- dbt-sqlserver's current_timestamp is SYSDATETIME(), the server's local clock: the watermarks
   (_wfm_staged_at, _wfm_written_at) would go back an hour when a server outside UTC leaves summer
   time, and the incremental models would skip what was written in that hour. UTC, as elsewhere. #}
{% macro sqlserver__current_timestamp() -%}
    sysutcdatetime()
{%- endmacro %}
