{# -- dbt-sqlserver's date_trunc returns a DATE; keep the timestamp (SQL Server 2022 DATETRUNC) #}
{% macro sqlserver__date_trunc(datepart, date) -%}
    datetrunc({{ datepart }}, {{ date }})
{%- endmacro %}
