{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'activity', 'start_ms', 'end_ms'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'activity', 'start_ms', 'end_ms'], 'unique': true},
            {'columns': ['_wfm_changed_at']},
            {'columns': ['end_ms']},
        ]),
    )
}}
-- One row per distinct schedule row (int_schedule_agents_resolved, agents resolved) ever
-- seen: is_live 1 while the schedule holds it (copies: how many times), 0 once it is gone.
-- _wfm_changed_at is when a run added or removed it: wfm_adherence recomputes the pairs of
-- the rows changed since its own last run (old and new versions of an edited row both
-- count) instead of comparing the whole window's schedule every run.
-- Incremental: the rows of the schedule window (ending after schedule_window_start_query)
-- are compared with the live rows kept; only the differences are written. Edits before
-- the window are not seen (as in wfm_adherence: `dbt build --full-refresh -s wfm_adherence`).
-- depends_on: {{ ref('int_agent_event_snapshots') }}
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}

with
{% if connect_wfm.wfm_is_incremental() %}
window_start as (
    {{ connect_wfm.schedule_window_start_query() }}
),
{% endif %}

schedule_rows as (
    select
        instance_id,
        agent_id,
        -- part of the key (a NULL never matches in delete+insert)
        coalesce(activity, '') as activity,
        start_ms,
        end_ms,
        count(*) as copies
    from {{ ref('int_schedule_agents_resolved') }}
    where agent_id is not null
    {% if connect_wfm.wfm_is_incremental() %}
      and end_ms > (select interval_idx from window_start) * {{ interval_ms }}
    {% endif %}
    group by instance_id, agent_id, coalesce(activity, ''), start_ms, end_ms
),

{% if connect_wfm.wfm_is_incremental() %}
kept as (
    select instance_id, agent_id, activity, start_ms, end_ms, copies
    from {{ this }}
    where is_live = 1
      and end_ms > (select interval_idx from window_start) * {{ interval_ms }}
),

changes as (
    -- new, or held a different number of times
    select s.*, 1 as is_live
    from schedule_rows as s
    where not exists (
        select 1 from kept as k
        where k.instance_id = s.instance_id and k.agent_id = s.agent_id and k.activity = s.activity
          and k.start_ms = s.start_ms and k.end_ms = s.end_ms and k.copies = s.copies)
    union all
    -- gone
    select k.instance_id, k.agent_id, k.activity, k.start_ms, k.end_ms, 0, 0
    from kept as k
    where not exists (
        select 1 from schedule_rows as s
        where s.instance_id = k.instance_id and s.agent_id = k.agent_id and s.activity = k.activity
          and s.start_ms = k.start_ms and s.end_ms = k.end_ms)
)
{% else %}
changes as (
    select schedule_rows.*, 1 as is_live from schedule_rows
)
{% endif %}

select
    instance_id,
    agent_id,
    activity,
    start_ms,
    end_ms,
    copies,
    is_live,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_changed_at,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from changes
