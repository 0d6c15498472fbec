{# -- a decimal string (Kinesis sequence number, up to 128 bits) → text that sorts as the number #}
{% macro sortable_decimal(expr, width=64) -%}
    {{ return(adapter.dispatch('sortable_decimal', 'connect_wfm')(expr, width)) }}
{%- endmacro %}
{% macro default__sortable_decimal(expr, width) -%}
    lpad(coalesce(cast({{ expr }} as {{ dbt.type_string() }}), ''), {{ width }}, '0')
{%- endmacro %}
{% macro sqlserver__sortable_decimal(expr, width) -%}
    right(replicate('0', {{ width }}) + coalesce(cast({{ expr }} as varchar(80)), ''), {{ width }})
{%- endmacro %}
