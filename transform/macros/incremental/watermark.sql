{#- An incremental model's timestamp watermark: the newest `column` in `relation` (1900-01-01
    while empty), inlined. -#}
{% macro watermark(relation, column) %}
    {{ return(connect_wfm.inline_scalar(
        "select coalesce(max(w." ~ column ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")) from "
        ~ relation ~ " as w", dbt.type_timestamp())) }}
{% endmacro %}
