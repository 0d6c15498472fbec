{# -- the last part of an ARN (…/queue/<id> → <id>) ------------------------------------------ #}
{% macro arn_id(arn) -%}
    {{ return(adapter.dispatch('arn_id', 'connect_wfm')(arn)) }}
{%- endmacro %}
{% macro default__arn_id(arn) -%}
    regexp_replace({{ arn }}, '^.*/', '')
{%- endmacro %}
{% macro sqlserver__arn_id(arn) -%}
    right({{ arn }}, charindex('/', reverse({{ arn }}) + '/') - 1)
{%- endmacro %}
