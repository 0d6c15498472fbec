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
