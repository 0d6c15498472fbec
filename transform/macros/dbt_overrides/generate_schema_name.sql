{#- Schemas are part of the data contract (the marts live in `wfm`): use a model's custom
    schema as it is, not prefixed with the target schema. var schema_prefix (empty) is for
    scratch builds (`wfm-pipeline verify-warehouse` builds in `wfm_verify_<random>_wfm`, ...). #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- else -%}{{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
