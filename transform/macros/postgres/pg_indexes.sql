{# -- Postgres indexes only (other engines ignore the config) -------------------------------- #}
{% macro pg_indexes(indexes) -%}
    {%- if target.type == 'postgres' -%}{{ return(indexes) }}{%- else -%}{{ return([]) }}{%- endif -%}
{%- endmacro %}
