-- One row per agent with a state: the open period of wfm_agent_state_transaction, and when
-- an event last confirmed it (heartbeats every 120 s confirm without opening a period).
with open_periods as (
    select *
    from {{ ref('wfm_agent_state_transaction') }}
    where state_end_ms is null
),

last_events as (
    -- one index lookup per agent (instance_id, agent_id, event_ms) rather than a scan
    select
        p.instance_id,
        p.agent_id,
        (
            select max(e.event_ms)
            from {{ ref('int_agent_event_snapshots') }} as e
            where e.instance_id = p.instance_id and e.agent_id = p.agent_id
        ) as last_event_ms
    from open_periods as p
)

select
    p.instance_id,
    p.agent_id,
    a.username,
    p.wfm_state,
    p.source_status_name,
    p.activity,
    p.contact_id,
    p.channel,
    p.queue_id,
    p.state_start_at,
    {{ connect_wfm.from_epoch_ms('e.last_event_ms') }} as last_confirmed_at,
    cast((e.last_event_ms - p.state_start_ms) / 1000.0 as {{ dbt.type_numeric() }}) as seconds_in_state_at_last_event,
    p.source_event_id
from open_periods as p
left join last_events as e on e.instance_id = p.instance_id and e.agent_id = p.agent_id
left join {{ ref('wfm_agent') }} as a on a.instance_id = p.instance_id and a.agent_id = p.agent_id
