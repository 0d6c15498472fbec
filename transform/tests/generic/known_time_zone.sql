{#- Every value of `column_name` is a time zone the database knows (PostgreSQL and DuckDB:
    pg_timezone_names), so AT TIME ZONE downstream cannot fail on it; the failing rows name
    the zone. Other databases: not checked here. -#}
{% test known_time_zone(model, column_name) %}
{%- if target.type in ('postgres', 'duckdb') %}
select {{ column_name }} as unknown_time_zone, count(*) as rows_with_it
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (select name from {{ 'pg_timezone_names' if target.type == 'postgres' else 'pg_timezone_names()' }})
group by {{ column_name }}
{%- else %}
select 1 as unknown_time_zone from {{ model }} where 1 = 0
{%- endif %}
{% endtest %}
