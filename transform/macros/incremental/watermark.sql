{#- An incremental model's timestamp watermark: the newest `column` in `relation` (1900-01-01
    while empty), inlined. `column` may be an expression of the relation's columns, such as
    column_or_null's for a lineage column the table predates (1900-01-01 then too). -#}
{% macro watermark(relation, column) %}
    {{ return(connect_wfm.inline_scalar(
        "select coalesce(max(" ~ column ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from "
        ~ relation, dbt.type_timestamp())) }}
{% endmacro %}
