{# -- JSON: the elements of a JSON array column as rows `alias.value`, and text at a path ---- #}
{% macro json_array_rows(json_expr, alias) -%}
    {{ return(adapter.dispatch('json_array_rows', 'connect_wfm')(json_expr, alias)) }}
{%- endmacro %}
{% macro default__json_array_rows(json_expr, alias) -%}
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(cast({{ json_expr }} as jsonb)) = 'array'
             then cast({{ json_expr }} as jsonb) else cast('[]' as jsonb) end
    ) as {{ alias }}(value)
{%- endmacro %}
{% macro duckdb__json_array_rows(json_expr, alias) -%}
    cross join unnest(
        case when json_type(cast({{ json_expr }} as json)) = 'ARRAY'
             then cast(cast({{ json_expr }} as json) as json[]) else cast([] as json[]) end
    ) as {{ alias }}(value)
{%- endmacro %}
{% macro sqlserver__json_array_rows(json_expr, alias) -%}
    cross apply openjson(case when isjson({{ json_expr }}) = 1 then {{ json_expr }} else '[]' end) as {{ alias }}
{%- endmacro %}
