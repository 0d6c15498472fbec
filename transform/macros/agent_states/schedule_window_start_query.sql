{#- The first interval (interval_idx) of the schedule window: var adherence_schedule_window_hours
    before "as of". Schedule rows ending after it are compared run to run. `as_of`: a relation
    (a CTE's name) with the column as_of_ms, where the model has one; none: as_of_ms_query. -#}
{% macro schedule_window_start_query(as_of=none) %}
    {%- set interval_ms = var('interval_minutes', 15) * 60000 -%}
    {%- set window_ms = var('adherence_schedule_window_hours', 48) * 3600000 -%}
    select {{ connect_wfm.int_div('as_of_ms - ' ~ window_ms, interval_ms) }} as interval_idx
    from {{ as_of if as_of else '(' ~ connect_wfm.as_of_ms_query() ~ ')' }} as window_as_of
{% endmacro %}
