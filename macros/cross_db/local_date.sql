{#- Local calendar date, in var('business_timezone'), of a timestamp column
    that holds UTC wall-clock time (as the landing tables do). -#}
{% macro local_date(column) -%}
    {{ return(adapter.dispatch('local_date', 'retention_radar')(column)) }}
{%- endmacro %}

{% macro default__local_date(column) -%}
    cast((({{ column }}) at time zone 'UTC') at time zone '{{ var("business_timezone") }}' as date)
{%- endmacro %}

{% macro duckdb__local_date(column) -%}
    cast(timezone('{{ var("business_timezone") }}', timezone('UTC', {{ column }})) as date)
{%- endmacro %}

{% macro spark__local_date(column) -%}
    to_date(from_utc_timestamp({{ column }}, '{{ var("business_timezone") }}'))
{%- endmacro %}
