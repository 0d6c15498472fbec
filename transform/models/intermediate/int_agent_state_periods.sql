-- Every agent's state periods derived from all its events (the full-refresh path of
-- wfm_agent_state_transaction; the derivation itself is the macro agent_state_periods).
with
{{ connect_wfm.agent_state_periods(ref('int_agent_event_snapshots')) }}

select * from derived_periods
