-- The schedule wfm_adherence compares against (the operator's input, not a Connect
-- stream), one row per row of it, renamed and typed: var schedule_relation names the
-- operator's table (`schema.table`), else the seed example_schedule. Columns: instance_id,
-- agent (Connect user id or username), activity (a row of seed
-- adherence_activity_allowed_states), start_at, end_at (UTC, timestamp or ISO 8601 with
-- offset). Agents are resolved to user ids by int_schedule_agents_resolved.
{%- if var('schedule_relation', none) %}
    {%- set schedule_source = var('schedule_relation') %}
{%- else %}
    {%- set schedule_source = ref('example_schedule') %}
{%- endif %}

with schedule as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(agent as {{ dbt.type_string() }}) as scheduled_agent,
        cast(activity as {{ dbt.type_string() }}) as activity,
        {{ connect_wfm.to_utc_timestamp('start_at') }} as start_at,
        {{ connect_wfm.to_utc_timestamp('end_at') }} as end_at
    from {{ schedule_source }}
)

select
    instance_id,
    scheduled_agent,
    activity,
    start_at,
    end_at,
    {{ connect_wfm.epoch_ms('start_at') }} as start_ms,
    {{ connect_wfm.epoch_ms('end_at') }} as end_ms
from schedule
