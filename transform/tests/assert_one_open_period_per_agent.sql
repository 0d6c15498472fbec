-- wfm_agent_state_transaction: at most one open period per agent, and it is the last.
select t.instance_id, t.agent_id, count(*) as open_periods
from {{ ref('wfm_agent_state_transaction') }} as t
where t.state_end_at is null
group by t.instance_id, t.agent_id
having count(*) > 1
    or max(t.state_start_ms) < (
        select max(x.state_start_ms) from {{ ref('wfm_agent_state_transaction') }} as x
        where x.instance_id = t.instance_id and x.agent_id = t.agent_id)
