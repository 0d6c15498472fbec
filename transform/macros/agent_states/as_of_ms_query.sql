{#- "now" for open periods, epoch ms: var activity_as_of (ISO) or the newest agent event. -#}
{% macro as_of_ms_query() %}
    {%- if var('activity_as_of', none) -%}
    select {{ connect_wfm.epoch_ms(connect_wfm.to_utc_timestamp("'" ~ var('activity_as_of') ~ "'")) }} as as_of_ms
    {%- else -%}
    select max(event_ms) as as_of_ms from {{ ref('int_agent_event_snapshots') }}
    {%- endif -%}
{% endmacro %}
