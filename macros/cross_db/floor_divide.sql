{#- Floor of numerator / denominator as an integer (rounds toward minus
    infinity, also for negative numerators), for integer day counts. -#}
{% macro floor_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('floor_divide', 'retention_radar')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as numeric) / ({{ denominator }})) as integer)
{%- endmacro %}

{% macro duckdb__floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as double) / ({{ denominator }})) as integer)
{%- endmacro %}

{% macro spark__floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as double) / ({{ denominator }})) as int)
{%- endmacro %}
