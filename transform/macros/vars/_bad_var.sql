{% macro _bad_var(name, value, must) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ ": '" ~ (value | string) ~ "' is not " ~ must
                                       ~ "; set it in transform/dbt_project.yml or with --vars") }}
{%- endmacro %}
