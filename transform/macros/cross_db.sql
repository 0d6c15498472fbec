{#- Engine differences, each behind adapter.dispatch (default = Postgres/DuckDB-style SQL).
    Everything inside the models works on UTC `timestamp` values and on epoch
    milliseconds (bigint), so interval arithmetic is exact integer arithmetic everywhere. -#}

{# -- a raw timestamp (timestamptz, or an ISO-8601 string with offset) → UTC timestamp ---- #}
{% macro to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'connect_wfm')(expr)) }}
{%- endmacro %}
{% macro default__to_utc_timestamp(expr) -%}
    (cast(cast({{ expr }} as {{ dbt.type_string() }}) as timestamptz) at time zone 'UTC')
{%- endmacro %}
{% macro postgres__to_utc_timestamp(expr) -%}
    (cast({{ expr }} as timestamptz) at time zone 'UTC')
{%- endmacro %}
{% macro duckdb__to_utc_timestamp(expr) -%}
    cast(cast({{ expr }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}
{% macro sqlserver__to_utc_timestamp(expr) -%}
    cast(switchoffset(cast({{ expr }} as datetimeoffset(3)), '+00:00') as datetime2(3))
{%- endmacro %}

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

{# -- integer division of bigints (DuckDB's / is a float division) --------------------------- #}
{% macro int_div(a, b) -%}
    {{ return(adapter.dispatch('int_div', 'connect_wfm')(a, b)) }}
{%- endmacro %}
{% macro default__int_div(a, b) -%}
    (({{ a }}) / ({{ b }}))
{%- endmacro %}
{% macro duckdb__int_div(a, b) -%}
    (({{ a }}) // ({{ b }}))
{%- endmacro %}

{# -- UTC timestamp → wall-clock time in an IANA time zone (a column or a literal) ----------- #}
{% macro utc_to_local(ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'connect_wfm')(ts, tz)) }}
{%- endmacro %}
{% macro default__utc_to_local(ts, tz) -%}
    (({{ ts }} at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}
{% macro duckdb__utc_to_local(ts, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ ts }}))
{%- endmacro %}
{% macro sqlserver__utc_to_local(ts, tz) -%}
    {#- SQL Server knows Windows zone names (sys.time_zone_info), not IANA ones: list the
        Windows name in the seed site_time_zones for SQL Server. -#}
    cast(({{ ts }} at time zone 'UTC') at time zone {{ tz }} as datetime2(3))
{%- endmacro %}

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

{# -- booleans: a predicate from a boolean column, and a boolean value from a predicate ------ #}
{% macro is_true(expr) -%}
    {{ return(adapter.dispatch('is_true', 'connect_wfm')(expr)) }}
{%- endmacro %}
{% macro default__is_true(expr) -%}
    coalesce(cast({{ expr }} as boolean), false)
{%- endmacro %}
{% macro sqlserver__is_true(expr) -%}
    (coalesce(cast({{ expr }} as bit), 0) = 1)
{%- endmacro %}

{% macro bool_of(predicate) -%}
    {{ return(adapter.dispatch('bool_of', 'connect_wfm')(predicate)) }}
{%- endmacro %}
{% macro default__bool_of(predicate) -%}
    (case when {{ predicate }} then true else false end)
{%- endmacro %}
{% macro sqlserver__bool_of(predicate) -%}
    cast(case when {{ predicate }} then 1 else 0 end as bit)
{%- endmacro %}

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

{% macro json_text(value_expr, path) -%}
    {{ return(adapter.dispatch('json_text', 'connect_wfm')(value_expr, path)) }}
{%- endmacro %}
{% macro default__json_text(value_expr, path) -%}
    ({{ value_expr }} #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}
{% macro duckdb__json_text(value_expr, path) -%}
    json_extract_string({{ value_expr }}, '$.{{ path | join('.') }}')
{%- endmacro %}
{% macro sqlserver__json_text(value_expr, path) -%}
    json_value({{ value_expr }}, '$.{{ path | join('.') }}')
{%- endmacro %}

{# -- dbt-sqlserver's date_trunc returns a DATE; keep the timestamp (SQL Server 2022 DATETRUNC) #}
{% macro sqlserver__date_trunc(datepart, date) -%}
    datetrunc({{ datepart }}, {{ date }})
{%- endmacro %}

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

{# -- Postgres indexes only (other engines ignore the config) -------------------------------- #}
{% macro pg_indexes(indexes) -%}
    {%- if target.type == 'postgres' -%}{{ return(indexes) }}{%- else -%}{{ return([]) }}{%- endif -%}
{%- endmacro %}

{# -- an 8-byte float (dbt.type_float() is a 4-byte REAL on DuckDB) -------------------------- #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'connect_wfm')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro sqlserver__type_double() -%}float{%- endmacro %}

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

{# -- raw rows loaded since a UTC timestamp: sargable on Postgres when the raw column is a
      timestamptz (an index on it then serves the incremental staging) -------------------- #}
{% macro loaded_since(relation, column, threshold) -%}
    {{ return(adapter.dispatch('loaded_since', 'connect_wfm')(relation, column, threshold)) }}
{%- endmacro %}
{% macro default__loaded_since(relation, column, threshold) -%}
    {{ connect_wfm.to_utc_timestamp(column) }} >= {{ threshold }}
{%- endmacro %}
{% macro postgres__loaded_since(relation, column, threshold) -%}
    {%- set data_type = connect_wfm.column_type(relation, column) or '' -%}
    {%- if 'with time zone' in data_type -%}
    {{ column }} >= ({{ threshold }} at time zone 'UTC')
    {%- elif 'timestamp' in data_type -%}
    {#- target-postgres writes date-times as timestamp without time zone, in UTC -#}
    {{ column }} >= {{ threshold }}
    {%- else -%}
    {{ connect_wfm.to_utc_timestamp(column) }} >= {{ threshold }}
    {%- endif -%}
{%- endmacro %}

{#- A JSON column as JSON text. target-postgres stores a JSON array of objects as jsonb[]
    (a Postgres array), whose text form is not JSON: turn such a column into a JSON array. #}
{% macro json_as_text(relation, column) -%}
    {{ return(adapter.dispatch('json_as_text', 'connect_wfm')(relation, column)) }}
{%- endmacro %}

{% macro default__json_as_text(relation, column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__json_as_text(relation, column) -%}
    {%- set data_type = connect_wfm.column_type(relation, column) or '' -%}
    {%- if data_type == 'array' or data_type.endswith('[]') -%}
        cast(array_to_json({{ column }}) as text)
    {%- else -%}
        cast({{ column }} as text)
    {%- endif -%}
{%- endmacro %}

{#- Session settings before each model (a pre-hook for every model, dbt_project.yml).
    Postgres:
    - no JIT: the planner prices the numbers query and the window-function chains at
      millions of rows, so JIT compiled for seconds while an incremental run touches a few
      thousand rows (measured: 2.1 s of JIT for a 2 ms query);
    - UTC: target-postgres stores date-times as timestamp without time zone (UTC), which a
      cast to timestamptz would read in the session's time zone;
    - work_mem (var postgres_work_mem, checked in checked_vars.sql; null leaves the server's): full builds sort millions
      of state pieces, which spill to disk at the default 4 MB. #}
{% macro session_settings() -%}
    {{ return(adapter.dispatch('session_settings', 'connect_wfm')()) }}
{%- endmacro %}
{% macro default__session_settings() -%}{%- endmacro %}
{% macro postgres__session_settings() -%}
    {%- set work_mem = connect_wfm.postgres_work_mem() %}
    set jit = off; set timezone = 'UTC'
    {%- if work_mem %}; set work_mem = {{ work_mem }}{% endif %}
{%- endmacro %}

{#- Whether a relation (e.g. an optional stream's raw table) exists. Assumed to when nothing
    runs (parsing) or without a database (compiling with wfm_force_is_incremental). -#}
{% macro relation_exists(relation) %}
    {%- if not execute or var('wfm_force_is_incremental', none) is not none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                   identifier=relation.identifier) is not none) }}
{% endmacro %}
