{#- After an incremental run of wfm_agent_state_transaction (or int_agent_state_periods_split):
    rows of a recomputed agent that start at or after its first recomputed period and were
    not written by this run no longer exist (a late event changed the timeline): delete
    them. recomputed_rows: which of this run's rows count as recomputed (a SQL condition;
    default all). -#}
{% macro delete_superseded_periods(relation, recomputed_rows='1 = 1') %}
    {%- if connect_wfm.wfm_is_incremental() -%}
        {{ return(adapter.dispatch('delete_superseded_periods', 'connect_wfm')(relation, recomputed_rows)) }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{% endmacro %}
{% macro default__delete_superseded_periods(relation, recomputed_rows) %}
    delete from {{ relation }}
    using (
        select instance_id, agent_id, min(state_start_ms) as first_start_ms
        from {{ relation }}
        where _wfm_invocation_id = '{{ invocation_id }}' and {{ recomputed_rows }}
        group by instance_id, agent_id
    ) as recomputed
    where recomputed.instance_id = {{ relation.identifier }}.instance_id
      and recomputed.agent_id = {{ relation.identifier }}.agent_id
      and {{ relation.identifier }}.state_start_ms >= recomputed.first_start_ms
      and {{ relation.identifier }}._wfm_invocation_id <> '{{ invocation_id }}'
{% endmacro %}
{% macro sqlserver__delete_superseded_periods(relation, recomputed_rows) %}
    delete t
    from {{ relation }} as t
    inner join (
        select instance_id, agent_id, min(state_start_ms) as first_start_ms
        from {{ relation }}
        where _wfm_invocation_id = '{{ invocation_id }}' and {{ recomputed_rows }}
        group by instance_id, agent_id
    ) as recomputed
        on recomputed.instance_id = t.instance_id
       and recomputed.agent_id = t.agent_id
       and t.state_start_ms >= recomputed.first_start_ms
    where t._wfm_invocation_id <> '{{ invocation_id }}'
{% endmacro %}
