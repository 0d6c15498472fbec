{#- A var that goes into SQL as a number (the reconciliation's minutes, seconds and share):
    anything but a non-negative number fails the run naming the var. -#}
{% macro number_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is not number or value is sameas true or value is sameas false or value < 0 -%}
        {{ connect_wfm._bad_var(name, value, 'a number, 0 or more') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
