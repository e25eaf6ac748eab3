{#- Tenure month (SPEC §3) of a member on day `day_column`, joined on
    `join_date_column`: floor((day - join date) / tenure_window_days) + 1.
    Not clipped: days before the join date give 0 or less. -#}
{% macro tenure_month(day_column, join_date_column) -%}
    ({{ floor_divide(dbt.datediff(join_date_column, day_column, 'day'), var('tenure_window_days')) }} + 1)
{%- endmacro %}

{#- Tenure bucket (SPEC §3): the tenure month capped at tenure_max_bucket and
    clipped below at 1. -#}
{% macro tenure_bucket(day_column, join_date_column) -%}
    greatest(1, least({{ tenure_month(day_column, join_date_column) }}, {{ var('tenure_max_bucket') }}))
{%- endmacro %}
