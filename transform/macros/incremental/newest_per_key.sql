{#- The newest row by collected_at of each key of `rows` (a CTE of the model), as a derived
    table: a source the tap re-reads over a trailing window brings a key again, and the newest
    read wins. On an incremental run it also leaves out the rows that a row of `this` with the
    same key is at least as new as, so a re-read that brings nothing newer writes nothing. The
    model names it: `from {{ connect_wfm.newest_per_key('typed', [...]) }} as newest` (its
    column row_rank is the ranking's, always 1). -#}
{% macro newest_per_key(rows, key_columns) -%}
(
    select ranked.*
    from (
        select
            {{ rows }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by collected_at desc
            ) as row_rank
        from {{ rows }}
    ) as ranked
    where ranked.row_rank = 1
    {%- if connect_wfm.wfm_is_incremental() %}
      and not exists (
          select 1 from {{ this }} as staged
          where {% for column in key_columns %}staged.{{ column }} = ranked.{{ column }}
            and {% endfor %}staged.collected_at >= ranked.collected_at)
    {%- endif %}
)
{%- endmacro %}
