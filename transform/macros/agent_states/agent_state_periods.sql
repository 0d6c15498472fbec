{#-
  Agent state periods from agent events, set-based (the derivation rules of
  docs/data-contract.md; connect_sim/replay.py is the reference implementation it is tested
  against).

  events_relation: rows of int_agent_event_snapshots (one per event_id, duplicates gone).
  context_relation (optional): one row per instance_id × agent_id with prev_event_ms, the
    time of the agent's event just before the first one in events_relation, for a
    recompute that starts in the middle of an agent's history.

  1. Candidates: LOGOUT → LOGGED_OUT at EventTimestamp; LOGIN → the snapshot's activity at
     EventTimestamp; STATE_CHANGE, unless logged out, → the snapshot's activity from the
     moment the snapshot records for the change: the newest AgentStatus.StartTimestamp /
     Contacts[].StateStartTimestamp when newer than the agent's previous event (capped at
     EventTimestamp), else EventTimestamp. HEART_BEAT is no candidate (it only confirms), nor
     is a LOGIN or STATE_CHANGE without a CurrentAgentSnapshot (has_snapshot = 0).
  2. Several candidates at the same moment: the last one (event order) wins; the others
     would last 0 ms.
  Emits CTE definitions (no leading `with`), the last one named output_name.
  3. Consecutive candidates of the same state (activity, status, primary contact) are one
     period, starting at the first; a period ends where the next begins. The last is open.
-#}
{% macro agent_state_periods(events_relation, context_relation=none, output_name='derived_periods') %}
    {%- set agent = 'instance_id, agent_id' -%}
    asp_numbered_events as (
        select
            e.*,
            row_number() over (partition by e.instance_id, e.agent_id order by e.event_ms, e.event_order_key) as event_no,
            lag(e.event_ms) over (partition by e.instance_id, e.agent_id order by e.event_ms, e.event_order_key) as lag_event_ms
        from {{ events_relation }} as e
    ),

    asp_sequenced_events as (
        select
            n.*,
            {%- if context_relation is not none %}
            coalesce(n.lag_event_ms, ctx.prev_event_ms) as prev_event_ms,
            {%- else %}
            n.lag_event_ms as prev_event_ms,
            {%- endif %}
            max(case when n.event_type = 'LOGOUT' then n.event_no end) over (
                partition by n.instance_id, n.agent_id order by n.event_no
                rows between unbounded preceding and 1 preceding) as last_logout_no,
            max(case when n.event_type = 'LOGIN' and coalesce(n.has_snapshot, 1) = 1 then n.event_no end) over (
                partition by n.instance_id, n.agent_id order by n.event_no
                rows between unbounded preceding and 1 preceding) as last_login_no
        from asp_numbered_events as n
        {%- if context_relation is not none %}
        left join {{ context_relation }} as ctx
            on ctx.instance_id = n.instance_id and ctx.agent_id = n.agent_id
        {%- endif %}
    ),

    asp_candidates as (
        select
            instance_id,
            agent_id,
            event_id as source_event_id,
            event_ms as source_event_ms,
            event_order_key as source_event_order_key,
            event_no,
            case when event_type = 'LOGOUT' then 'LOGGED_OUT' else snapshot_activity end as activity,
            case when event_type <> 'LOGOUT' and snapshot_activity = 'STATUS' then status_id end as status_id,
            case when event_type <> 'LOGOUT' and snapshot_activity = 'STATUS' then status_name end as status_name,
            case when event_type <> 'LOGOUT' and snapshot_activity = 'STATUS' then status_type end as status_type,
            case when event_type <> 'LOGOUT' then contact_id end as contact_id,
            case when event_type <> 'LOGOUT' then channel end as channel,
            case when event_type <> 'LOGOUT' then queue_id end as queue_id,
            case
                when event_type in ('LOGIN', 'LOGOUT') then event_ms
                when max_recorded_ms is not null
                     and (prev_event_ms is null or max_recorded_ms > prev_event_ms)
                     and max_recorded_ms < event_ms
                    then max_recorded_ms
                else event_ms
            end as start_ms
        from asp_sequenced_events
        where event_type = 'LOGOUT'
           or (event_type = 'LOGIN' and coalesce(has_snapshot, 1) = 1)
           or (event_type = 'STATE_CHANGE' and coalesce(has_snapshot, 1) = 1
               and (last_logout_no is null or last_logout_no < coalesce(last_login_no, 0)))
    ),

    asp_keyed_candidates as (
        select
            asp_candidates.*,
            {{ dbt.concat([
                "activity", "'|'",
                "coalesce(status_id, '')", "'|'",
                "coalesce(status_name, '')", "'|'",
                "coalesce(contact_id, '')"]) }} as state_key,
            row_number() over (
                partition by instance_id, agent_id, start_ms order by event_no desc) as rank_at_moment
        from asp_candidates
    ),

    asp_surviving_candidates as (
        select
            asp_keyed_candidates.*,
            lag(state_key) over (partition by instance_id, agent_id order by event_no) as previous_state_key
        from asp_keyed_candidates
        where rank_at_moment = 1
    ),

    asp_period_starts as (
        select
            asp_surviving_candidates.*,
            lead(start_ms) over (partition by instance_id, agent_id order by event_no) as next_start_ms
        from asp_surviving_candidates
        where previous_state_key is null or previous_state_key <> state_key
    ),

    {{ output_name }} as (
    select
        instance_id,
        agent_id,
        start_ms as state_start_ms,
        next_start_ms as state_end_ms,
        activity,
        status_id,
        status_name,
        status_type,
        contact_id,
        channel,
        queue_id,
        source_event_id,
        source_event_ms,
        source_event_order_key
    from asp_period_starts
    )
{% endmacro %}
