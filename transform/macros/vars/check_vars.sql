{#- Vars that end up inside SQL string literals, checked before they get there: a bad value
    fails the dbt run with one message naming the var and what it must be, and what goes
    into a literal is quoted ('' for a quote) whatever passed the check.

    - default_site_time_zone: an IANA name (Europe/Berlin, UTC, Etc/GMT+5; on SQL Server a
      Windows name, W. Europe Standard Time). Its shape is checked wherever a model uses it
      (dbt parse and compile too); at run time check_vars() (on-run-start) also asks the
      database whether it knows the zone (PostgreSQL and DuckDB: pg_timezone_names).
    - postgres_work_mem: a PostgreSQL memory size (64MB, 512kB, 1GB, or kB as a bare number),
      checked by check_vars() and by the pre-hook that sets it (session_settings). -#}
{#- on-run-start (dbt_project.yml): both vars, before any model runs; the time zone also
    against the database's own list where it has one. Returns no SQL. -#}
{% macro check_vars() -%}
    {%- set zone = connect_wfm.default_site_time_zone() -%}
    {%- if target.type == 'postgres' -%}{%- do connect_wfm.postgres_work_mem() -%}{%- endif -%}
    {%- if execute and target.type in ('postgres', 'duckdb') -%}
        {%- set zones = 'pg_timezone_names' if target.type == 'postgres' else 'pg_timezone_names()' -%}
        {%- set known = run_query('select count(*) from ' ~ zones ~ ' where name = ' ~ zone) -%}
        {%- if known.rows[0][0] == 0 -%}
            {{ connect_wfm._bad_var('default_site_time_zone', var('default_site_time_zone', 'UTC'),
                                    'a time zone this database knows (pg_timezone_names): use an IANA name like Europe/Berlin') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
