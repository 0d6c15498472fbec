{#- Postgres: an index of a model's table under a fixed name, made by a post-hook when missing:
    dbt's `indexes` config names indexes by a hash, has no WHERE, and only makes them with the
    table (an index that replaces an earlier version's would never reach an upgraded table).
    `where`: a partial index. `replaces`: indexes on exactly these columns (an earlier
    version's) are dropped. On a full refresh the replaced table, dropped after the hooks,
    still holds the name: its index is dropped first. Other engines: nothing. -#}
{% macro pg_named_index(name, columns, unique=false, where=none, replaces=none) %}
    {{ return(adapter.dispatch('pg_named_index', 'connect_wfm')(name, columns, unique, where, replaces)) }}
{% endmacro %}
{% macro default__pg_named_index(name, columns, unique, where, replaces) %}{% endmacro %}
{% macro postgres__pg_named_index(name, columns, unique, where, replaces) %}
    {%- if execute -%}
    {%- if not connect_wfm.wfm_is_incremental() -%}
    drop index if exists {{ adapter.quote(this.schema) }}.{{ adapter.quote(name) }};
    {% endif -%}
    create {{ 'unique ' if unique }}index if not exists {{ adapter.quote(name) }} on {{ this }} ({{ columns | join(', ') }})
    {%- if where %} where {{ where }}{% endif %}
    {%- if replaces %};
    do $$
    declare earlier record;
    begin
        for earlier in
            select i.indexrelid::regclass as index_name
            from pg_index as i
            where i.indrelid = '{{ this }}'::regclass
              and i.indnatts = {{ replaces | length }}
              and array(select a.attname::text
                        from unnest(i.indkey) with ordinality as k(attnum, position)
                        inner join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
                        order by k.position) = array[{% for c in replaces %}'{{ c }}'{{ ', ' if not loop.last }}{% endfor %}]
        loop
            execute 'drop index ' || earlier.index_name;
        end loop;
    end $$
    {%- endif -%}
    {%- endif -%}
{% endmacro %}
