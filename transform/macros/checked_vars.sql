{#- Vars that end up inside SQL string literals, checked before they get there: a bad value
    fails the dbt run with one message naming the var and what it must be, and what goes
    into a literal is quoted ('' for a quote) whatever passed the check.

    - default_site_time_zone: an IANA name (Europe/Berlin, UTC, Etc/GMT+5; on SQL Server a
      Windows name, W. Europe Standard Time). Its shape is checked wherever a model uses it
      (dbt parse and compile too); at run time check_vars() (on-run-start) also asks the
      database whether it knows the zone (PostgreSQL and DuckDB: pg_timezone_names).
    - postgres_work_mem: a PostgreSQL memory size (64MB, 512kB, 1GB, or kB as a bare number),
      checked by check_vars() and by the pre-hook that sets it (session_settings). -#}

{% macro sql_string(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro _bad_var(name, value, must) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ ": '" ~ (value | string) ~ "' is not " ~ must
                                       ~ "; set it in transform/dbt_project.yml or with --vars") }}
{%- endmacro %}

{#- The site time zone for instances the seed site_time_zones does not list, as a SQL literal. -#}
{% macro default_site_time_zone() -%}
    {%- set zone = var('default_site_time_zone', 'UTC') -%}
    {%- if target.type == 'sqlserver' -%}
        {%- set shape, must = '[A-Za-z0-9][A-Za-z0-9 .+-]{0,63}', 'a time zone name (on SQL Server a Windows name like W. Europe Standard Time)' -%}
    {%- else -%}
        {%- set shape, must = '[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,3}', 'a time zone name: an IANA name like Europe/Berlin or UTC' -%}
    {%- endif -%}
    {%- if zone is not string or zone | length > 64 or not modules.re.fullmatch(shape, zone) -%}
        {{ connect_wfm._bad_var('default_site_time_zone', zone, must) }}
    {%- endif -%}
    {{ return(connect_wfm.sql_string(zone)) }}
{%- endmacro %}

{#- var postgres_work_mem as a SQL literal ('64MB'), none when unset (the server's setting). -#}
{% macro postgres_work_mem() -%}
    {%- set size = var('postgres_work_mem', none) -%}
    {%- if size is none or size == '' -%}{{ return(none) }}{%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{1,12} ?(B|kB|MB|GB|TB)?', size | string) -%}
        {{ connect_wfm._bad_var('postgres_work_mem', size, 'a PostgreSQL memory size like 64MB, 512kB or 1GB') }}
    {%- endif -%}
    {{ return(connect_wfm.sql_string(size)) }}
{%- endmacro %}

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

{#- A var that goes into SQL as a number (the reconciliation's minutes, seconds and share):
    anything but a non-negative number fails the run naming the var. -#}
{% macro number_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 -%}
        {{ connect_wfm._bad_var(name, value, 'a number, 0 or more') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
