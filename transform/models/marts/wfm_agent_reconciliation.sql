{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['instance_id', 'agent_id', 'interval_start_at'],
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['instance_id', 'agent_id', 'interval_start_at'], 'unique': true},
            {'columns': ['interval_start_at']},
            {'columns': ['status']},
            {'columns': ['_wfm_invocation_id']},
        ]),
        post_hook=["{{ connect_wfm.delete_placeholder_rows(this, 'has_events = 0 and has_connect_row = 0') }}"],
    )
}}
-- depends_on: {{ ref('connect_agent_metric_map') }}
-- One row per agent × 15-minute interval (UTC): the agent's time as the agent events give it
-- (the state periods of wfm_agent_state_transaction, cut at intervals by
-- int_agent_state_periods_split: the adherence data itself) against Connect's own figures
-- (stg_connect__agent_activity_metrics, GetMetricDataV2 per agent), per category:
--   online          any status but Offline, custom statuses included
--   idle            Available without a contact (a missed/rejected/error contact on screen counts)
--   on_contact      on a contact, hold and after-contact work included, not in a custom status
--   non_productive  a custom status (overlaps with contacts)
--   error_status    a missed / rejected / error contact on screen
--   after_contact_work  Connect counts a contact's whole ACW in the interval of its disconnect:
--                   the events' ACW periods are counted whole in the interval they start in
-- Which period counts where: the seed connect_agent_metric_map, on (activity, the agent's
-- status type then). docs/data-contract.md, "Reconciliation", says where the two sides cannot
-- agree exactly and why.
--   difference = events − Connect (positive: the events say more)
--   status      connect_pending  Connect has not settled the interval yet: the newest read of
--                                the instance is less than var agent_reconciliation_settle_minutes
--                                after the interval's end
--               events_missing   Connect counted more time in online, idle, on_contact or
--                                non_productive than the events, beyond the tolerance
--                                (events lost, late, or the derivation wrong for the centre)
--               events_extra     else the events count more than Connect somewhere
--               match            else
--   Tolerance: var agent_reconciliation_tolerance_seconds per category; where ring time can
--   explain the difference, plus var agent_reconciliation_ring_seconds per contact offered in
--   the interval (one at least where the agent was on contact): ring time is ON_CONTACT in the
--   events, not on-contact time in Connect (events more on_contact), and not idle time either
--   (the archived definition, docs/aws-sources.md §9) unless var
--   agent_reconciliation_idle_includes_ring says the centre's Connect counts it as idle (the
--   live text since 2024: then events less idle). Error status and ACW are shown,
--   not judged: an error contact beside a connected one is hidden by the events' precedence,
--   concurrent chats' ACW overlaps; idle and on-contact time already carry both.
-- Only instances with Connect rows, from the first interval Connect reported on.
-- Incremental (delete+insert per pair): pairs with state pieces written since the last run
-- (and the start interval of ACW periods re-cut), pairs with Connect rows staged since, every
-- pair still connect_pending, and all pairs of an instance whose Connect rows now start
-- earlier than the table (read further back). Equal to a full refresh. After editing the
-- seed or a var: dbt build --full-refresh -s wfm_agent_reconciliation.
{%- set interval_ms = var('interval_minutes', 15) * 60000 %}
{%- set settle_ms = (connect_wfm.number_var('agent_reconciliation_settle_minutes', 60) * 60000) | int %}
{%- set tolerance_ms = (connect_wfm.number_var('agent_reconciliation_tolerance_seconds', 2) * 1000) | int %}
{%- set ring_ms = (connect_wfm.number_var('agent_reconciliation_ring_seconds', 20) * 1000) | int %}
{%- set categories = ['online', 'idle', 'on_contact', 'non_productive', 'error_status', 'after_contact_work'] %}
{%- set judged = ['online', 'idle', 'on_contact', 'non_productive'] %}
{#- where ring time (a contact offered, not yet accepted: ON_CONTACT in the events) can put the
    events off Connect: more on-contact time, and, where Connect's idle time includes ring time
    (var agent_reconciliation_idle_includes_ring), less idle time -#}
{%- set ring_explains = [('on_contact', 'extra')] %}
{%- if var('agent_reconciliation_idle_includes_ring', false) %}{% do ring_explains.append(('idle', 'missing')) %}{% endif %}

with connect_rows as (
    select *
    from {{ ref('stg_connect__agent_activity_metrics') }}
    where interval_ms = {{ interval_ms }}
),

coverage as (
    -- per instance: the first interval Connect reported, and until when it has settled
    select
        instance_id,
        min(interval_start_ms) as first_interval_ms,
        {{ connect_wfm.epoch_ms('max(collected_at)') }} - {{ settle_ms }} as settled_through_ms,
        max(collected_at) as newest_read_at
    from connect_rows
    group by instance_id
),

metric_map as (
    select * from {{ ref('connect_agent_metric_map') }}
),

{% if connect_wfm.wfm_is_incremental() %}
{#- Connect's rows reach further back than this table (the stream just turned on, or read
    further back): the events' pairs from there on are new to it too. Looked up first, so the
    scan of every piece happens only then. -#}
{%- set newly_covered = [] %}
{%- if execute and var('wfm_force_is_incremental', none) is none %}
    {%- set lookup %}
        select c.instance_id, min(c.interval_start_ms) as first_interval_ms
        from {{ ref('stg_connect__agent_activity_metrics') }} as c
        where c.interval_ms = {{ interval_ms }}
        group by c.instance_id
        having min(c.interval_start_ms) < coalesce((
            select {{ connect_wfm.epoch_ms('min(w.interval_start_at)') }} from {{ this }} as w
            where w.instance_id = c.instance_id), {{ 2 ** 62 }})
    {%- endset %}
    {%- for row in run_query(lookup).rows %}{% do newly_covered.append(row[0]) %}{% endfor %}
{%- endif %}
{%- set split_written_at = connect_wfm.watermark(this, '_wfm_split_written_through') %}
touched_anywhere as (
    -- pairs with state pieces written since the last run …
    select p.instance_id, p.agent_id, p.interval_idx
    from {{ ref('int_agent_state_periods_split') }} as p
    where p._wfm_written_at > {{ split_written_at }}
    union
    -- … the interval an ACW period re-cut starts in (its whole ACW counts there) …
    select p.instance_id, p.agent_id, {{ connect_wfm.int_div('p.state_start_ms', interval_ms) }}
    from {{ ref('int_agent_state_periods_split') }} as p
    where p._wfm_written_at > {{ split_written_at }}
      and p.activity in (select activity from metric_map where after_contact_work = 1)
    union
    -- … pairs with Connect rows staged since …
    select c.instance_id, c.agent_id, {{ connect_wfm.int_div('c.interval_start_ms', interval_ms) }}
    from connect_rows as c
    where c._wfm_staged_at > {{ connect_wfm.watermark(this, '_wfm_connect_staged_through') }}
    union
    -- … every pair Connect had not settled yet …
    select w.instance_id, w.agent_id,
           {{ connect_wfm.int_div(connect_wfm.epoch_ms('w.interval_start_at'), interval_ms) }}
    from {{ this }} as w
    where w.status = 'connect_pending'
    {%- if newly_covered %}
    union
    -- … and, of an instance Connect's rows now reach further back for, every pair of events
    select p.instance_id, p.agent_id, p.interval_idx
    from {{ ref('int_agent_state_periods_split') }} as p
    where p.instance_id in ({% for instance in newly_covered %}'{{ instance | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
),

touched as (
    -- only where the table has rows (instances with Connect rows, from their first interval):
    -- without agent_activity_metrics (the optional stream, not scheduled by default) the table
    -- stays empty, its watermarks at their start, and every run would recompute every pair of
    -- the history (measured: over 5 minutes at 5,000 agents × 7 days)
    select t.instance_id, t.agent_id, t.interval_idx
    from touched_anywhere as t
    inner join coverage
        on coverage.instance_id = t.instance_id
       and t.interval_idx * {{ interval_ms }} >= coverage.first_interval_ms
),
{% endif %}

pair_pieces as (
    select
        p.instance_id, p.agent_id, p.interval_idx, p.state_start_ms, p.activity,
        p.piece_start_ms, p.piece_end_ms - p.piece_start_ms as piece_ms
    from {{ ref('int_agent_state_periods_split') }} as p
    {% if connect_wfm.wfm_is_incremental() %}
    inner join touched as t
        on t.instance_id = p.instance_id and t.agent_id = p.agent_id and t.interval_idx = p.interval_idx
    {% endif %}
),

acw_pieces as (
    -- every piece of the ACW periods that start in a pair's interval, wherever it lies
    select
        p.instance_id, p.agent_id, {{ connect_wfm.int_div('p.state_start_ms', interval_ms) }} as interval_idx,
        p.piece_end_ms - p.piece_start_ms as piece_ms
    from {{ ref('int_agent_state_periods_split') }} as p
    {% if connect_wfm.wfm_is_incremental() %}
    inner join touched as t
        on t.instance_id = p.instance_id and t.agent_id = p.agent_id
       and p.state_start_ms >= t.interval_idx * {{ interval_ms }}
       and p.state_start_ms < (t.interval_idx + 1) * {{ interval_ms }}
    {% endif %}
    where p.activity in (select activity from metric_map where after_contact_work = 1)
),

periods as (
    -- each period's status type: a status period's own; for a contact period, the agent's
    -- status at the event that opened it (agent_statuses by id, else the event's own type);
    -- unknown: Connect's two defaults by name, else CUSTOM for a status (AWS: new statuses
    -- are always CUSTOM) and ROUTABLE on a contact
    select
        t.instance_id, t.agent_id, t.state_start_ms,
        coalesce(
            case when t.activity = 'STATUS' then t.source_status_type
                 else coalesce(known.agent_status_type, e.agent_status_type) end,
            case when (case when t.activity = 'STATUS' then t.source_status_name else e.agent_status_name end)
                      = 'Available' then 'ROUTABLE'
                 when (case when t.activity = 'STATUS' then t.source_status_name else e.agent_status_name end)
                      = 'Offline' then 'OFFLINE' end,
            case when t.activity = 'STATUS' then 'CUSTOM' else 'ROUTABLE' end
        ) as status_type
    from (select distinct instance_id, agent_id, state_start_ms from pair_pieces) as k
    inner join {{ ref('wfm_agent_state_transaction') }} as t
        on t.instance_id = k.instance_id and t.agent_id = k.agent_id and t.state_start_ms = k.state_start_ms
    left join {{ ref('stg_connect__agent_events') }} as e
        on t.activity not in ('STATUS', 'LOGGED_OUT') and e.event_id = t.source_event_id
    left join {{ ref('stg_connect__agent_statuses') }} as known
        on known.instance_id = t.instance_id and known.agent_status_id = e.agent_status_id
),

events_per_pair as (
    select
        p.instance_id,
        p.agent_id,
        p.interval_idx,
        sum(case when p.activity <> 'LOGGED_OUT' then p.piece_ms else 0 end) as logged_in_ms,
        {%- for category in categories if category != 'after_contact_work' %}
        sum(p.piece_ms * coalesce(m.{{ category }}, 0)) as {{ category }}_ms,
        {%- endfor %}
        -- contact periods starting in the interval (or just before: their ring reaches in)
        sum(case when p.activity = 'ON_CONTACT'
                      and p.state_start_ms >= p.interval_idx * {{ interval_ms }} - {{ ring_ms }}
                 then 1 else 0 end) as offers,
        sum(case when p.activity in ('CONTACT_MISSED', 'CONTACT_REJECTED', 'CONTACT_ERROR')
                      and p.piece_start_ms = p.state_start_ms then 1 else 0 end) as non_responses
    from pair_pieces as p
    left join periods as pt
        on pt.instance_id = p.instance_id and pt.agent_id = p.agent_id and pt.state_start_ms = p.state_start_ms
    left join metric_map as m
        on m.activity = p.activity and m.status_type = pt.status_type
    group by p.instance_id, p.agent_id, p.interval_idx
),

acw_per_pair as (
    select instance_id, agent_id, interval_idx, sum(piece_ms) as after_contact_work_ms
    from acw_pieces
    group by instance_id, agent_id, interval_idx
),

connect_per_pair as (
    select
        c.instance_id,
        c.agent_id,
        {{ connect_wfm.int_div('c.interval_start_ms', interval_ms) }} as interval_idx,
        {%- for category in categories %}
        cast(coalesce(c.{{ category }}_seconds, 0) * 1000 as bigint) as {{ category }}_ms,
        {%- endfor %}
        coalesce(c.agent_non_response, 0) as non_responses,
        c.collected_at
    from connect_rows as c
    {% if connect_wfm.wfm_is_incremental() %}
    inner join touched as t
        on t.instance_id = c.instance_id and t.agent_id = c.agent_id
       and t.interval_idx = {{ connect_wfm.int_div('c.interval_start_ms', interval_ms) }}
    {% endif %}
),

pairs as (
    select instance_id, agent_id, interval_idx from events_per_pair where logged_in_ms > 0
    union
    select instance_id, agent_id, interval_idx from connect_per_pair
    {% if connect_wfm.wfm_is_incremental() %}
    union
    -- a pair recomputed to nothing: a placeholder that replaces its old row, then deleted
    select instance_id, agent_id, interval_idx from touched
    {% endif %}
),

joined as (
    select
        pairs.instance_id,
        pairs.agent_id,
        pairs.interval_idx,
        coalesce(ev.logged_in_ms, 0) as logged_in_ms,
        {%- for category in categories if category != 'after_contact_work' %}
        coalesce(ev.{{ category }}_ms, 0) as events_{{ category }}_ms,
        {%- endfor %}
        coalesce(acw.after_contact_work_ms, 0) as events_after_contact_work_ms,
        {%- for category in categories %}
        coalesce(cn.{{ category }}_ms, 0) as connect_{{ category }}_ms,
        {%- endfor %}
        coalesce(ev.non_responses, 0) as events_non_responses,
        cn.non_responses as connect_non_responses,
        coalesce(ev.offers, 0) as offers,
        case when coalesce(ev.logged_in_ms, 0) > 0 then 1 else 0 end as has_events,
        case when cn.instance_id is not null then 1 else 0 end as has_connect_row,
        cn.collected_at as connect_collected_at,
        coverage.settled_through_ms,
        case when (pairs.interval_idx + 1) * {{ interval_ms }} > coverage.settled_through_ms then 1 else 0 end
            as is_pending
    from pairs
    inner join coverage
        on coverage.instance_id = pairs.instance_id
       and pairs.interval_idx * {{ interval_ms }} >= coverage.first_interval_ms
    left join events_per_pair as ev
        on ev.instance_id = pairs.instance_id and ev.agent_id = pairs.agent_id and ev.interval_idx = pairs.interval_idx
    left join acw_per_pair as acw
        on acw.instance_id = pairs.instance_id and acw.agent_id = pairs.agent_id and acw.interval_idx = pairs.interval_idx
    left join connect_per_pair as cn
        on cn.instance_id = pairs.instance_id and cn.agent_id = pairs.agent_id and cn.interval_idx = pairs.interval_idx
),

judged as (
    select
        joined.*,
        {{ tolerance_ms }} as base_tolerance_ms,
        {{ tolerance_ms }} + ring_offers * {{ ring_ms }} as ring_tolerance_ms,
        {%- for category in judged %}
        case
            when connect_{{ category }}_ms - events_{{ category }}_ms > {{ tolerance_ms }}{{ ' + ring_offers * ' ~ ring_ms if (category, 'missing') in ring_explains }} then -1
            when events_{{ category }}_ms - connect_{{ category }}_ms > {{ tolerance_ms }}{{ ' + ring_offers * ' ~ ring_ms if (category, 'extra') in ring_explains }} then 1
            else 0
        end as {{ category }}_off{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            joined.*,
            -- an interval with contact time gets one offer's allowance at least: an offer whose
            -- events were lost rang all the same (Connect's on-contact time starts at the accept),
            -- and a few seconds of lost ring are not what this table is for
            case when offers = 0 and events_on_contact_ms > 0 then 1 else offers end as ring_offers
        from joined
    ) as joined
),

zones as (
    select instance_id, time_zone from {{ ref('stg_wfm__site_time_zones') }}
)

select
    judged.instance_id,
    judged.agent_id,
    {{ connect_wfm.from_epoch_ms('judged.interval_idx * ' ~ interval_ms) }} as interval_start_at,
    {{ connect_wfm.from_epoch_ms('(judged.interval_idx + 1) * ' ~ interval_ms) }} as interval_end_at,
    cast(case
        when is_pending = 1 then 'connect_pending'
        when {{ judged | join('_off = -1 or ') }}_off = -1 then 'events_missing'
        when {{ judged | join('_off = 1 or ') }}_off = 1 then 'events_extra'
        else 'match'
    end as {{ dbt.type_string() }}) as status,
    cast(case when is_pending = 1 then null else nullif(trim({{ dbt.concat([
        "case when online_off = -1 then 'online:missing ' when online_off = 1 then 'online:extra ' else '' end",
        "case when idle_off = -1 then 'idle:missing ' when idle_off = 1 then 'idle:extra ' else '' end",
        "case when on_contact_off = -1 then 'on_contact:missing ' when on_contact_off = 1 then 'on_contact:extra ' else '' end",
        "case when non_productive_off = -1 then 'non_productive:missing ' when non_productive_off = 1 then 'non_productive:extra ' else '' end",
    ]) }}), '') end as {{ dbt.type_string() }}) as mismatched_categories,
    {%- for category in categories %}
    cast(events_{{ category }}_ms / 1000.0 as {{ dbt.type_numeric() }}) as events_{{ category }}_seconds,
    cast(connect_{{ category }}_ms / 1000.0 as {{ dbt.type_numeric() }}) as connect_{{ category }}_seconds,
    cast((events_{{ category }}_ms - connect_{{ category }}_ms) / 1000.0 as {{ dbt.type_numeric() }})
        as {{ category }}_difference_seconds,
    {%- endfor %}
    cast(logged_in_ms / 1000.0 as {{ dbt.type_numeric() }}) as events_logged_in_seconds,
    events_non_responses,
    connect_non_responses,
    cast(base_tolerance_ms / 1000.0 as {{ dbt.type_numeric() }}) as tolerance_seconds,
    cast(ring_tolerance_ms / 1000.0 as {{ dbt.type_numeric() }}) as idle_on_contact_tolerance_seconds,
    offers as events_contact_offers,
    has_events,
    has_connect_row,
    connect_collected_at,
    {{ connect_wfm.from_epoch_ms('settled_through_ms') }} as connect_settled_through_at,
    cast(coalesce(zones.time_zone, {{ connect_wfm.default_site_time_zone() }}) as {{ dbt.type_string() }}) as site_time_zone,
    {{ connect_wfm.utc_to_local(connect_wfm.from_epoch_ms('judged.interval_idx * ' ~ interval_ms),
                                "coalesce(zones.time_zone, " ~ connect_wfm.default_site_time_zone() ~ ")") }} as interval_start_local,
    (select max(_wfm_written_at) from {{ ref('int_agent_state_periods_split') }}) as _wfm_split_written_through,
    (select max(_wfm_staged_at) from {{ ref('stg_connect__agent_activity_metrics') }}) as _wfm_connect_staged_through,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _wfm_invocation_id
from judged
left join zones on zones.instance_id = judged.instance_id
