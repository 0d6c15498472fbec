-- The schedule (stg_wfm__schedule) with its agents resolved to Connect user ids: by user
-- id first, then by username (stg_connect__users); agent_id is NULL for an agent that
-- matches no user (wfm_adherence ignores the row). Rows that end before they start are
-- dropped.
with schedule as (
    select * from {{ ref('stg_wfm__schedule') }}
),

users as (
    select instance_id, user_id, username from {{ ref('stg_connect__users') }}
)

select
    schedule.instance_id,
    coalesce(by_id.user_id, by_name.user_id) as agent_id,
    schedule.scheduled_agent,
    schedule.activity,
    schedule.start_at,
    schedule.end_at,
    schedule.start_ms,
    schedule.end_ms
from schedule
left join users as by_id
    on by_id.instance_id = schedule.instance_id and by_id.user_id = schedule.scheduled_agent
left join users as by_name
    on by_name.instance_id = schedule.instance_id and by_name.username = schedule.scheduled_agent
where schedule.end_at > schedule.start_at
