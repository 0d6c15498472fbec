{#- The data type of `relation`.`column` (lower case; the name matched in any case), or
    none when the relation has no such column or nothing runs (parsing). -#}
{% macro column_type(relation, column) -%}
    {%- if execute -%}
        {%- for c in adapter.get_columns_in_relation(relation) -%}
            {%- if c.name | lower == column | lower -%}{{ return(c.data_type | lower) }}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- Whether `relation`.`column` is a PostgreSQL array (target-postgres' jsonb[] for an array of
    objects): information_schema names it ARRAY, pg_catalog `<element>[]`. False when there is
    no such column or nothing runs. -#}
{% macro column_is_array(relation, column) -%}
    {%- set data_type = connect_wfm.column_type(relation, column) or '' -%}
    {{ return(data_type == 'array' or data_type.endswith('[]')) }}
{%- endmacro %}
