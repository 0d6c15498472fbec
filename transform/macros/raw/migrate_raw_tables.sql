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

{#- tap-connect-kinesis before 2026-12-04 declared agent_events.contacts as an array of objects,
    which target-postgres stores as jsonb[]; it now declares a JSON array, which target-postgres
    stores as jsonb, and COPYing a JSON array into a jsonb[] column fails ("malformed array
    literal"). The column becomes jsonb holding the same JSON array (to_jsonb of a jsonb[] is
    that array). This rewrites the table: minutes for days of a large centre's events, during
    which the table is locked. -#}
{% macro postgres__migrate_raw_tables() %}
    {%- set events = source('connect', 'agent_events') -%}
    {%- if connect_wfm.column_is_array(events, 'contacts') -%}  {#- false too when the table is not there yet -#}
        {{ log("migrate_raw_tables: " ~ events ~ ".contacts jsonb[] -> jsonb (rewrites the table)", info=true) }}
        {%- call statement('migrate_contacts') -%}
            alter table {{ events }} alter column {{ adapter.quote('contacts') }} type jsonb
                using to_jsonb({{ adapter.quote('contacts') }})
        {%- endcall -%}
        {%- do adapter.commit() -%}
        {{ log("migrate_raw_tables: " ~ events ~ ".contacts is jsonb", info=true) }}
    {%- else -%}
        {{ log("migrate_raw_tables: nothing to migrate", info=true) }}
    {%- endif -%}
{% endmacro %}
