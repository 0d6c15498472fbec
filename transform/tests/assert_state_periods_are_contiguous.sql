-- wfm_agent_state_transaction: each period ends exactly where the agent's next begins,
-- and lasts more than 0 ms.
with ordered as (
    select
        instance_id, agent_id, state_start_ms, state_end_ms,
        lead(state_start_ms) over (partition by instance_id, agent_id order by state_start_ms) as next_start_ms
    from {{ ref('wfm_agent_state_transaction') }}
)
select *
from ordered
where (next_start_ms is not null and (state_end_ms is null or state_end_ms <> next_start_ms))
   or (state_end_ms is not null and state_end_ms <= state_start_ms)
