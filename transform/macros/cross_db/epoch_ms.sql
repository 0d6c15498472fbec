{# -- UTC timestamp ↔ epoch milliseconds (bigint) ------------------------------------------ #}
{% macro epoch_ms(ts) -%}
    {{ return(adapter.dispatch('epoch_ms', 'connect_wfm')(ts)) }}
{%- endmacro %}
{% macro default__epoch_ms(ts) -%}
    cast(round(extract(epoch from {{ ts }}) * 1000) as bigint)
{%- endmacro %}
{% macro duckdb__epoch_ms(ts) -%}
    epoch_ms(cast({{ ts }} as timestamp))
{%- endmacro %}
{% macro sqlserver__epoch_ms(ts) -%}
    datediff_big(millisecond, cast('1970-01-01' as datetime2(3)), {{ ts }})
{%- endmacro %}
