{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'event_ms']},
            {'columns': ['_wfm_staged_at']},
            {'columns': ['event_ms']},
        ]),
    )
}}
-- One row per agent event: what its snapshot says, reduced to the facts the state
-- derivation needs (docs/data-contract.md, derivation rules):
--   snapshot_activity  ON_CONTACT (a contact CONNECTING / CONNECTED / CONNECTED_ONHOLD)
--                      > AFTER_CONTACT_WORK (a contact ENDED)
--                      > CONTACT_MISSED / CONTACT_REJECTED / CONTACT_ERROR (a contact MISSED,
--                        REJECTED or ERROR: it stays in the snapshot until the agent clears
--                        it, and the agent is not routable meanwhile, whatever AgentStatus says)
--                      > STATUS (the agent status; INCOMING / PENDING contacts count as none)
--   primary contact    of the winning group, the earliest by ConnectedToAgentTimestamp
--                      (else StateStartTimestamp), then ContactId; its state names the
--                      activity within the missed group
--   max_recorded_ms    the newest AgentStatus.StartTimestamp / Contacts[].StateStartTimestamp
-- Incremental: only events staged since the last run are parsed.
with events as (
    select *
    from {{ ref('stg_connect__agent_events') }}
    {% if connect_wfm.wfm_is_incremental() %}
    where _wfm_staged_at > {{ connect_wfm.watermark(this, '_wfm_staged_at') }}
    {% endif %}
),

-- Join-free on purpose: the row estimate for "staged since the watermark" is always stale
-- (a few rows guessed, thousands real), and a join back to the events made Postgres re-run
-- the ranking once per event (measured: 137 s for 5,000 events).
event_columns as (
    select
        event_id, instance_id, agent_id, event_type, event_at, event_ms, event_order_key,
        agent_status_id, agent_status_name, agent_status_type, agent_status_start_at, has_snapshot, _wfm_staged_at
    from events
),

candidates as (
    -- the event itself (rank 4: no contact) …
    select
        event_columns.*,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as contact_state,
        cast(null as {{ dbt.type_string() }}) as queue_arn,
        cast(null as {{ dbt.type_string() }}) as state_start_text,
        cast(null as {{ dbt.type_string() }}) as connected_text
    from event_columns
    union all
    -- … and each contact in its snapshot
    select
        events.event_id, events.instance_id, events.agent_id, events.event_type, events.event_at, events.event_ms,
        events.event_order_key, events.agent_status_id, events.agent_status_name, events.agent_status_type,
        events.agent_status_start_at, events.has_snapshot,
        events._wfm_staged_at,
        {{ connect_wfm.json_text('c.value', ['ContactId']) }},
        {{ connect_wfm.json_text('c.value', ['Channel']) }},
        {{ connect_wfm.json_text('c.value', ['State']) }},
        {{ connect_wfm.json_text('c.value', ['Queue', 'ARN']) }},
        {{ connect_wfm.json_text('c.value', ['StateStartTimestamp']) }},
        {{ connect_wfm.json_text('c.value', ['ConnectedToAgentTimestamp']) }}
    from events
    {{ connect_wfm.json_array_rows('events.contacts', 'c') }}
),

candidates_typed as (
    select
        candidates.*,
        {{ connect_wfm.arn_id('queue_arn') }} as queue_id,
        {{ connect_wfm.epoch_ms(connect_wfm.to_utc_timestamp('state_start_text')) }} as state_start_ms,
        {{ connect_wfm.epoch_ms(connect_wfm.to_utc_timestamp('connected_text')) }} as connected_ms,
        case
            when contact_id is null then 5
            when contact_state in ('CONNECTING', 'CONNECTED', 'CONNECTED_ONHOLD') then 1
            when contact_state = 'ENDED' then 2
            when contact_state in ('MISSED', 'REJECTED', 'ERROR') then 3
            else 4
        end as activity_rank
    from candidates
),

ranked as (
    select
        candidates_typed.*,
        row_number() over (
            partition by event_id
            order by activity_rank, coalesce(connected_ms, state_start_ms), contact_id
        ) as contact_rank,
        max(state_start_ms) over (partition by event_id) as max_contact_state_start_ms
    from candidates_typed
)

select
    event_id,
    instance_id,
    agent_id,
    event_type,
    event_at,
    event_ms,
    event_order_key,
    cast(case
        when activity_rank = 1 then 'ON_CONTACT'
        when activity_rank = 2 then 'AFTER_CONTACT_WORK'
        when activity_rank = 3 then {{ dbt.concat(["'CONTACT_'", 'contact_state']) }}
        else 'STATUS'
    end as {{ dbt.type_string() }}) as snapshot_activity,
    agent_status_id as status_id,
    agent_status_name as status_name,
    agent_status_type as status_type,
    coalesce(has_snapshot, 1) as has_snapshot,
    case when activity_rank <= 3 then contact_id end as contact_id,
    case when activity_rank <= 3 then channel end as channel,
    case when activity_rank <= 3 then queue_id end as queue_id,
    case
        when max_contact_state_start_ms is null
            then {{ connect_wfm.epoch_ms('agent_status_start_at') }}
        when agent_status_start_at is null
            then max_contact_state_start_ms
        when max_contact_state_start_ms > {{ connect_wfm.epoch_ms('agent_status_start_at') }}
            then max_contact_state_start_ms
        else {{ connect_wfm.epoch_ms('agent_status_start_at') }}
    end as max_recorded_ms,
    _wfm_staged_at
from ranked
where contact_rank = 1
