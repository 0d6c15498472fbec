{# -- epoch milliseconds (bigint) → UTC timestamp (the inverse of epoch_ms) ------------------ #}
{% macro from_epoch_ms(ms) -%}
    {{ return(adapter.dispatch('from_epoch_ms', 'connect_wfm')(ms)) }}
{%- endmacro %}
{% macro default__from_epoch_ms(ms) -%}
    (timestamp '1970-01-01 00:00:00' + ({{ ms }}) * interval '1 millisecond')
{%- endmacro %}
{% macro duckdb__from_epoch_ms(ms) -%}
    epoch_ms(cast({{ ms }} as bigint))
{%- endmacro %}
{% macro sqlserver__from_epoch_ms(ms) -%}
    dateadd(millisecond, cast(({{ ms }}) % 86400000 as int),
            dateadd(day, cast(({{ ms }}) / 86400000 as int), cast('1970-01-01' as datetime2(3))))
{%- endmacro %}
