{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'event_ms']},
            {'columns': ['_wfm_staged_at']},
            {'columns': ['event_ms']},
        ]),
    )
}}
-- One row per agent event: what its snapshot says, reduced to the facts the state
-- derivation needs (see wfm-tables.md, derivation rules):
--   snapshot_activity  ON_CONTACT (a contact CONNECTING / CONNECTED / CONNECTED_ONHOLD)
--                      > AFTER_CONTACT_WORK (a contact ENDED) > STATUS (the agent status)
--   primary contact    of the winning group, the earliest by ConnectedToAgentTimestamp
--                      (else StateStartTimestamp), then ContactId
--   max_recorded_ms    the newest AgentStatus.StartTimestamp / Contacts[].StateStartTimestamp
-- Incremental: only events staged since the last run are parsed.
with events as (
    select *
    from {{ ref('stg_connect__agent_events') }}
    {% if is_incremental() %}
    where _wfm_staged_at > (
        select coalesce(max(w._wfm_staged_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }} as w
    )
    {% endif %}
),

contacts as (
    select
        events.event_id,
        {{ connect_wfm.json_text('c.value', ['ContactId']) }} as contact_id,
        {{ connect_wfm.json_text('c.value', ['Channel']) }} as channel,
        {{ connect_wfm.json_text('c.value', ['State']) }} as contact_state,
        {{ connect_wfm.json_text('c.value', ['Queue', 'ARN']) }} as queue_arn,
        {{ connect_wfm.json_text('c.value', ['StateStartTimestamp']) }} as state_start_text,
        {{ connect_wfm.json_text('c.value', ['ConnectedToAgentTimestamp']) }} as connected_text
    from events
    {{ connect_wfm.json_array_rows('events.contacts', 'c') }}
),

contacts_typed as (
    select
        event_id,
        contact_id,
        channel,
        contact_state,
        {{ connect_wfm.arn_id('queue_arn') }} as queue_id,
        {{ connect_wfm.epoch_ms(connect_wfm.to_utc_timestamp('state_start_text')) }} as state_start_ms,
        {{ connect_wfm.epoch_ms(connect_wfm.to_utc_timestamp('connected_text')) }} as connected_ms,
        case
            when contact_state in ('CONNECTING', 'CONNECTED', 'CONNECTED_ONHOLD') then 1
            when contact_state = 'ENDED' then 2
            else 3
        end as activity_rank
    from contacts
),

contacts_ranked as (
    select
        contacts_typed.*,
        row_number() over (
            partition by event_id
            order by activity_rank, coalesce(connected_ms, state_start_ms), contact_id
        ) as contact_rank,
        max(state_start_ms) over (partition by event_id) as max_contact_state_start_ms
    from contacts_typed
),

primary_contacts as (
    select *
    from contacts_ranked
    where contact_rank = 1
)

select
    events.event_id,
    events.instance_id,
    events.agent_id,
    events.event_type,
    events.event_at,
    events.event_ms,
    events.event_order_key,
    case
        when primary_contacts.activity_rank = 1 then 'ON_CONTACT'
        when primary_contacts.activity_rank = 2 then 'AFTER_CONTACT_WORK'
        else 'STATUS'
    end as snapshot_activity,
    events.agent_status_name as status_name,
    events.agent_status_type as status_type,
    case when primary_contacts.activity_rank in (1, 2) then primary_contacts.contact_id end as contact_id,
    case when primary_contacts.activity_rank in (1, 2) then primary_contacts.channel end as channel,
    case when primary_contacts.activity_rank in (1, 2) then primary_contacts.queue_id end as queue_id,
    case
        when primary_contacts.max_contact_state_start_ms is null
            then {{ connect_wfm.epoch_ms('events.agent_status_start_at') }}
        when events.agent_status_start_at is null
            then primary_contacts.max_contact_state_start_ms
        when primary_contacts.max_contact_state_start_ms > {{ connect_wfm.epoch_ms('events.agent_status_start_at') }}
            then primary_contacts.max_contact_state_start_ms
        else {{ connect_wfm.epoch_ms('events.agent_status_start_at') }}
    end as max_recorded_ms,
    events._wfm_staged_at
from events
left join primary_contacts
    on primary_contacts.event_id = events.event_id
