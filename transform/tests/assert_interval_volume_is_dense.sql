-- wfm_interval_volume: every queue × channel has a row for every interval of its instance's
-- range (no gaps).
with per_combo as (
    select instance_id, queue_id, channel, count(*) as intervals
    from {{ ref('wfm_interval_volume') }}
    group by instance_id, queue_id, channel
),

per_instance as (
    select instance_id, count(distinct interval_start_at) as intervals
    from {{ ref('wfm_interval_volume') }}
    group by instance_id
)

select per_combo.*
from per_combo
inner join per_instance on per_instance.instance_id = per_combo.instance_id
where per_combo.intervals <> per_instance.intervals
