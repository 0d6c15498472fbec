{#- var postgres_work_mem as a SQL literal ('64MB'), none when unset (the server's setting). -#}
{% macro postgres_work_mem() -%}
    {%- set size = var('postgres_work_mem', none) -%}
    {%- if size is none or size == '' -%}{{ return(none) }}{%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{1,12} ?(B|kB|MB|GB|TB)?', size | string) -%}
        {{ connect_wfm._bad_var('postgres_work_mem', size, 'a PostgreSQL memory size like 64MB, 512kB or 1GB') }}
    {%- endif -%}
    {{ return(connect_wfm.sql_string(size)) }}
{%- endmacro %}
