{#- Brings raw tables a loader created with an earlier tap version to the shape the taps write
    now, before the loader writes to them again (meltano.yml: the first task of wfm-adherence;
    `meltano invoke dbt-postgres:migrate-raw`). Idempotent: a table already in shape, or not
    there yet, is left alone. -#}
{% macro migrate_raw_tables() %}
    {{ return(adapter.dispatch('migrate_raw_tables', 'connect_wfm')()) }}
{% endmacro %}

{% macro default__migrate_raw_tables() %}
    {{ log("migrate_raw_tables: nothing to migrate on " ~ target.type, info=true) }}
{% endmacro %}

{#- PostgreSQL, agent_events:
    - contacts: tap-connect-kinesis before 2026-12-04 declared it an array of objects, which
      target-postgres stores as jsonb[]; it now declares a JSON array, which target-postgres stores
      as jsonb, and COPYing a JSON array into a jsonb[] column fails ("malformed array literal").
      The column becomes jsonb holding the same JSON array (to_jsonb of a jsonb[] is that array).
      This rewrites the table: minutes for days of a large centre's events, during which the
      table is locked.
    - the primary key on event_id: before 2026-12-04 target-postgres upserted agent events by
      event_id; meltano.yml now has it append them (one row per delivery, staging keeps one per
      event), and a re-delivered event would break that key and stop the load. Dropping it drops
      its index only (no rewrite). -#}
{% macro postgres__migrate_raw_tables() %}
    {%- set events = source('connect', 'agent_events') -%}
    {%- set done = [] -%}
    {%- if connect_wfm.column_is_array(events, 'contacts') -%}  {#- false too when the table is not there yet -#}
        {{ log("migrate_raw_tables: " ~ events ~ ".contacts jsonb[] -> jsonb (rewrites the table)", info=true) }}
        {%- call statement('migrate_contacts') -%}
            alter table {{ events }} alter column {{ adapter.quote('contacts') }} type jsonb
                using to_jsonb({{ adapter.quote('contacts') }})
        {%- endcall -%}
        {%- do adapter.commit() -%}
        {{ log("migrate_raw_tables: " ~ events ~ ".contacts is jsonb", info=true) }}
        {%- do done.append('contacts') -%}
    {%- endif -%}
    {%- set primary_key = connect_wfm.primary_key_name(events) -%}
    {%- if primary_key -%}
        {%- call statement('drop_event_key') -%}
            alter table {{ events }} drop constraint {{ adapter.quote(primary_key) }}
        {%- endcall -%}
        {%- do adapter.commit() -%}
        {{ log("migrate_raw_tables: " ~ events ~ " primary key " ~ primary_key ~ " dropped (agent events are appended)", info=true) }}
        {%- do done.append('key') -%}
    {%- endif -%}
    {%- if not done -%}
        {{ log("migrate_raw_tables: nothing to migrate", info=true) }}
    {%- endif -%}
{% endmacro %}

{#- PostgreSQL: the name of `relation`'s primary key constraint, or none (no such key, no such
    table, or nothing runs). -#}
{% macro primary_key_name(relation) -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select conname from pg_constraint where contype = 'p' and conrelid = to_regclass("
            ~ dbt.string_literal(adapter.quote(relation.schema) ~ '.' ~ adapter.quote(relation.identifier)) ~ ")") -%}
        {%- if found.rows | length -%}{{ return(found.rows[0][0]) }}{%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
