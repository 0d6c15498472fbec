{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'state_start_ms'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'state_start_ms'], 'unique': true},
            {'columns': ['_wfm_invocation_id']},
            {'columns': ['_wfm_loaded_through']},
            {'columns': ['_wfm_written_at']},
            {'columns': ['state_end_ms']},
            {'columns': ['source_status_type']},
        ]),
        post_hook=[
            "{{ connect_wfm.delete_superseded_periods(this) }}",
            "{{ connect_wfm.pg_named_index('wfm_agent_state_transaction__status_type_unknown', ['instance_id', 'agent_id'], where=\"source_status_type is null and activity = 'STATUS'\") }}",
        ],
    )
}}
-- One row per agent state period (the adherence feed). Incremental: the agents that have
-- new events are recomputed from their anchor period (the newest period opened by an
-- event older than every new event of the agent): its source event and the events after
-- it are derived again, rows from the anchor on are replaced, and rows that no longer
-- exist are deleted by the post-hook. The result equals a full refresh.
--
-- A status's type (ROUTABLE / CUSTOM / OFFLINE) is not in AWS's documented agent events
-- (AgentStatus is ARN, Name, StartTimestamp): it comes from ListAgentStatuses (the
-- agent_statuses stream) by the status id in the ARN, else from the event's own Type when
-- one is there. A status known by neither (the config job has not read it yet) is mapped by
-- its name alone and keeps source_status_type null; once agent_statuses knows it, its agents
-- are recomputed from that period like agents with new events (test
-- warn_status_type_unknown reports what is still unknown).

with
{% if connect_wfm.wfm_is_incremental() %}
changed_agents as (
    select instance_id, agent_id, min(event_ms) as min_new_event_ms
    from {{ ref('int_agent_event_snapshots') }}
    where _wfm_staged_at > {{ connect_wfm.watermark(this, '_wfm_loaded_through') }}
    group by instance_id, agent_id
    union all
    -- periods of a status whose type is now known (partial index: a scan of the table was
    -- 0.2 s a day of history)
    select t.instance_id, t.agent_id, min(t.source_event_ms)
    from (
        select
            instance_id, agent_id, source_event_ms, activity, source_status_type,
            {{ connect_wfm.column_or_null(this, 'source_status_id', dbt.type_string()) }} as source_status_id
        from {{ this }}
    ) as t
    inner join {{ ref('stg_connect__agent_statuses') }} as s
        on s.instance_id = t.instance_id and s.agent_status_id = t.source_status_id
    where t.source_status_type is null and t.activity = 'STATUS' and s.agent_status_type is not null
    group by t.instance_id, t.agent_id
),

new_events as (
    select instance_id, agent_id, min(min_new_event_ms) as min_new_event_ms
    from changed_agents
    group by instance_id, agent_id
),

anchor_starts as (
    -- the anchor's start: one backward index scan per agent (instance_id, agent_id, state_start_ms)
    select
        n.instance_id,
        n.agent_id,
        (
            select max(t.state_start_ms)
            from {{ this }} as t
            where t.instance_id = n.instance_id
              and t.agent_id = n.agent_id
              and t.source_event_ms < n.min_new_event_ms
        ) as anchor_start_ms
    from new_events as n
),

recompute_from as (
    -- per agent, the anchor's source event and the event before it (the context the
    -- derivation continues from): looked up here, once per agent; as a column of a later
    -- CTE the planner re-ran the lookup for every event × agent it compared (5 s at 1 day)
    select
        a.instance_id,
        a.agent_id,
        t.source_event_ms as from_event_ms,
        t.source_event_order_key as from_event_order_key,
        (
            select max(e.event_ms)
            from {{ ref('int_agent_event_snapshots') }} as e
            where e.instance_id = a.instance_id
              and e.agent_id = a.agent_id
              and e.event_ms <= t.source_event_ms  -- bounds the index scan
              and (e.event_ms < t.source_event_ms or e.event_order_key < t.source_event_order_key)
        ) as prev_event_ms
    from anchor_starts as a
    left join {{ this }} as t
        on t.instance_id = a.instance_id and t.agent_id = a.agent_id and t.state_start_ms = a.anchor_start_ms
),

recompute_events as (
    select e.*
    from {{ ref('int_agent_event_snapshots') }} as e
    inner join recompute_from as r
        on r.instance_id = e.instance_id
       and r.agent_id = e.agent_id
       and e.event_ms >= coalesce(r.from_event_ms, -1)  -- an index range per agent
    where (r.from_event_ms is null
           or e.event_ms > r.from_event_ms
           or e.event_order_key >= r.from_event_order_key)
      -- one bound for all agents: lets the planner read only recent events (event_ms index)
      and e.event_ms >= (select min(coalesce(b.from_event_ms, -1)) from recompute_from as b)
),

recompute_context as (
    select instance_id, agent_id, prev_event_ms
    from recompute_from
    where from_event_ms is not null
),

{{ connect_wfm.agent_state_periods('recompute_events', 'recompute_context', 'periods') }},
{% else %}
periods as (
    select * from {{ ref('int_agent_state_periods') }}
),
{% endif %}

status_map as (
    select * from {{ ref('connect_status_wfm_state_map') }}
),

typed as (
    select
        p.*,
        case when p.activity = 'STATUS' then coalesce(known.agent_status_type, p.status_type) end as resolved_status_type
    from periods as p
    left join {{ ref('stg_connect__agent_statuses') }} as known
        on p.activity = 'STATUS' and known.instance_id = p.instance_id and known.agent_status_id = p.status_id
),

keyed as (
    -- what the seed is matched on: (status type, status name), or ('ACTIVITY', activity)
    select
        typed.*,
        case when activity = 'STATUS' then resolved_status_type else 'ACTIVITY' end as map_type,
        case when activity = 'STATUS' then status_name else activity end as map_name
    from typed
),

mapped as (
    -- the seed's most specific row: (type, name), (type, '*'), ('*', name), ('*', '*')
    select
        k.*,
        coalesce(exact_match.wfm_state, type_match.wfm_state, name_match.wfm_state, fallback.wfm_state,
                 'UNAVAILABLE') as wfm_state,
        coalesce(exact_match.is_productive, type_match.is_productive, name_match.is_productive,
                 fallback.is_productive, 0) as is_productive
    from keyed as k
    left join status_map as exact_match
        on exact_match.status_type = k.map_type and exact_match.status_name = k.map_name
    left join status_map as type_match
        on type_match.status_type = k.map_type and type_match.status_name = '*'
    left join status_map as name_match
        on name_match.status_type = '*' and name_match.status_name = k.map_name
    left join status_map as fallback
        on fallback.status_type = '*' and fallback.status_name = '*'
)

select
    instance_id,
    agent_id,
    {{ connect_wfm.from_epoch_ms('state_start_ms') }} as state_start_at,
    {{ connect_wfm.from_epoch_ms('state_end_ms') }} as state_end_at,
    cast((state_end_ms - state_start_ms) / 1000.0 as {{ dbt.type_numeric() }}) as duration_seconds,
    cast(wfm_state as {{ dbt.type_string() }}) as wfm_state,
    cast(status_id as {{ dbt.type_string() }}) as source_status_id,
    cast(status_name as {{ dbt.type_string() }}) as source_status_name,
    cast(resolved_status_type as {{ dbt.type_string() }}) as source_status_type,
    cast(activity as {{ dbt.type_string() }}) as activity,
    cast(is_productive as integer) as is_productive,
    cast(contact_id as {{ dbt.type_string() }}) as contact_id,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(queue_id as {{ dbt.type_string() }}) as queue_id,
    cast(source_event_id as {{ dbt.type_string() }}) as source_event_id,
    cast(state_start_ms as bigint) as state_start_ms,
    cast(state_end_ms as bigint) as state_end_ms,
    cast(source_event_ms as bigint) as source_event_ms,
    cast(source_event_order_key as {{ dbt.type_string() }}) as source_event_order_key,
    (select max(_wfm_staged_at) from {{ ref('int_agent_event_snapshots') }}) as _wfm_loaded_through,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_written_at,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from mapped
