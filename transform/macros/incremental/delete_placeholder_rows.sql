{#- After an incremental run: delete the rows this run wrote that match `condition` (the
    placeholders of wfm_agent_interval_activity's zero states and wfm_adherence's pairs whose
    schedule was removed, written so that delete+insert replaced the old rows). -#}
{% macro delete_placeholder_rows(relation, condition) %}
    {%- if connect_wfm.wfm_is_incremental() -%}
    delete from {{ relation }}
    where _wfm_invocation_id = '{{ invocation_id }}' and {{ condition }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{% endmacro %}
