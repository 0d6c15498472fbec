{{ config(severity='warn') }}
-- wfm_agent_state_transaction: agent statuses whose type (ROUTABLE / CUSTOM / OFFLINE) is
-- known neither from agent_statuses (ListAgentStatuses) nor from the events (AWS's documented
-- agent events carry no type). Their periods were mapped by status name alone through the
-- seed connect_status_wfm_state_map ('*' rows), which may be wrong for that status. Fix: run
-- the configuration job (wfm-config) so agent_statuses lists them (the periods are then
-- mapped again on the next run), or give the status a ('*', name) row in the seed.
select
    instance_id,
    source_status_id,
    source_status_name,
    wfm_state,
    count(*) as periods,
    min(state_start_at) as first_period_start_at,
    max(state_start_at) as last_period_start_at
from {{ ref('wfm_agent_state_transaction') }}
where activity = 'STATUS' and source_status_type is null
group by instance_id, source_status_id, source_status_name, wfm_state
