-- The schedule wfm_adherence compares against (the operator's input, not a Connect
-- stream): var schedule_relation names the operator's table (`schema.table`), else the
-- seed example_schedule. Columns: instance_id, agent (Connect user id or username),
-- activity (a row of seed adherence_activity_allowed_states), start_at, end_at (UTC,
-- timestamp or ISO 8601 with offset). Agents resolve by user id first, then username.
{%- if var('schedule_relation', none) %}
    {%- set schedule_source = var('schedule_relation') %}
{%- else %}
    {%- set schedule_source = ref('example_schedule') %}
{%- endif %}

with schedule as (
    select
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(agent as {{ dbt.type_string() }}) as agent,
        cast(activity as {{ dbt.type_string() }}) as activity,
        {{ connect_wfm.to_utc_timestamp('start_at') }} as start_at,
        {{ connect_wfm.to_utc_timestamp('end_at') }} as end_at
    from {{ schedule_source }}
),

users as (
    select instance_id, user_id, username from {{ ref('stg_connect__users') }}
)

select
    schedule.instance_id,
    coalesce(by_id.user_id, by_name.user_id) as agent_id,
    schedule.agent as scheduled_agent,
    schedule.activity,
    schedule.start_at,
    schedule.end_at,
    {{ connect_wfm.epoch_ms('schedule.start_at') }} as start_ms,
    {{ connect_wfm.epoch_ms('schedule.end_at') }} as end_ms
from schedule
left join users as by_id
    on by_id.instance_id = schedule.instance_id and by_id.user_id = schedule.agent
left join users as by_name
    on by_name.instance_id = schedule.instance_id and by_name.username = schedule.agent
where schedule.end_at > schedule.start_at
