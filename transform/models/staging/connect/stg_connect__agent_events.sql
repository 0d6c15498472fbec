{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=connect_wfm.pg_indexes([
            {'columns': ['_wfm_staged_at']},
            {'columns': ['source_loaded_at']},
        ]),
        post_hook=[
            "{{ connect_wfm.pg_named_index('stg_connect__agent_events__event_key', ['event_at', 'event_id'], unique=true, replaces=['event_id']) }}",
        ],
    )
}}
-- One row per agent event (event_id): Kinesis delivers at least once, so duplicates are
-- dropped here (the first record in the shard wins: a retry gets a later sequence number).
-- Incremental: each run reads the raw rows loaded since the newest one staged (minus a
-- look-back) and appends those not staged yet. A duplicate is the same record again, with
-- the same EventTimestamp, so staged events are looked up by (event_at, event_id): new and
-- re-read events fall in the newest part of that index, where an index on the random
-- event_id alone sent each lookup and each insert to a page anywhere in the history
-- (at 5,000 agents × 7 days, 5.6 s to look up a run's re-read rows and 2.9 s to append).
-- `_wfm_staged_at` marks the run that staged a row: the models downstream pick up new
-- events by it.
{%- set loaded_col = var('agent_events_loaded_at_column', 'collected_at') %}
{%- if connect_wfm.wfm_is_incremental() %}
    {%- set threshold = connect_wfm.inline_scalar(
        "select coalesce(" ~ dbt.dateadd('minute', -1 * var('agent_events_lookback_minutes', 60), 'max(w.source_loaded_at)')
        ~ ", cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from " ~ this ~ " as w", dbt.type_timestamp()) %}
{%- endif %}

with raw_events as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        {{ connect_wfm.to_utc_timestamp('event_timestamp') }} as event_at,
        cast(instance_id as {{ dbt.type_string() }}) as instance_id,
        cast(instance_arn as {{ dbt.type_string() }}) as instance_arn,
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(agent_arn as {{ dbt.type_string() }}) as agent_arn,
        cast(agent_status_arn as {{ dbt.type_string() }}) as agent_status_arn,
        cast(agent_status_name as {{ dbt.type_string() }}) as agent_status_name,
        -- not in AWS's documented events (AgentStatus is ARN, Name, StartTimestamp): kept
        -- when an event carries it; the type comes from ListAgentStatuses by ARN downstream
        cast(agent_status_type as {{ dbt.type_string() }}) as agent_status_type,
        {{ connect_wfm.to_utc_timestamp('agent_status_start_timestamp') }} as agent_status_start_at,
        cast(username as {{ dbt.type_string() }}) as username,
        cast(routing_profile_id as {{ dbt.type_string() }}) as routing_profile_id,
        {{ connect_wfm.json_as_text(source('connect', 'agent_events'), 'contacts') }} as contacts,
        -- an event without CurrentAgentSnapshot (nothing documents it as required) says
        -- nothing about the agent's state: only a LOGOUT still counts. target-postgres stores
        -- the tap's JSON null as the JSON value null, not SQL NULL: both mean none.
        case
            when current_snapshot is null
              or {{ connect_wfm.json_as_text(source('connect', 'agent_events'), 'current_snapshot') }} = 'null'
            then 0 else 1
        end as has_snapshot,
        cast(shard_id as {{ dbt.type_string() }}) as shard_id,
        cast(sequence_number as {{ dbt.type_string() }}) as sequence_number,
        {{ connect_wfm.to_utc_timestamp('approximate_arrival_timestamp') }} as approximate_arrival_at,
        {{ connect_wfm.to_utc_timestamp(loaded_col) }} as source_loaded_at
    from {{ source('connect', 'agent_events') }} as src
    {% if connect_wfm.wfm_is_incremental() %}
    where {{ connect_wfm.loaded_since(source('connect', 'agent_events'), loaded_col, threshold) }}
      -- skip staged events before ranking: the look-back re-reads ~5x the new rows, and
      -- sorting them whole (JSON included) spilled to disk (5 s at 5,000 agents)
      and not exists (
          select 1 from {{ this }} as staged
          where staged.event_at = {{ connect_wfm.to_utc_timestamp('src.event_timestamp') }}
            and staged.event_id = cast(src.event_id as {{ dbt.type_string() }}))
    {% endif %}
),

ranked as (
    select
        raw_events.*,
        row_number() over (
            partition by event_id
            order by {{ connect_wfm.sortable_decimal('sequence_number') }}, source_loaded_at, shard_id
        ) as copy_rank
    from raw_events
)

select
    event_id,
    event_type,
    event_at,
    {{ connect_wfm.epoch_ms('event_at') }} as event_ms,
    -- events of one agent share a shard (partition key = agent ARN): the sequence number
    -- orders events of the same millisecond
    {{ dbt.concat([connect_wfm.sortable_decimal('shard_id', 24), "'|'", connect_wfm.sortable_decimal('sequence_number'), "'|'", 'event_id']) }} as event_order_key,
    instance_id,
    coalesce(agent_id, {{ connect_wfm.arn_id('agent_arn') }}) as agent_id,
    agent_arn,
    {{ connect_wfm.arn_id('agent_status_arn') }} as agent_status_id,
    agent_status_name,
    agent_status_type,
    agent_status_start_at,
    username,
    routing_profile_id,
    contacts,
    has_snapshot,
    shard_id,
    sequence_number,
    approximate_arrival_at,
    source_loaded_at,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _wfm_staged_at
from ranked
where copy_rank = 1
