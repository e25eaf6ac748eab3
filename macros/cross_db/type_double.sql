{#- 64-bit floating point type (dbt.type_float() is 32-bit on DuckDB and
    Spark). Used for rates and ratios kept at full precision. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'retention_radar')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
