-- The cohort triangle: one row per join month, one column per month since
-- joining (m00 = the join month), holding the share of the cohort that bought
-- in that month. Empty cells are months that have not happened yet; the last
-- diagonal is month-to-date when as_of_date is not a month's last day.
{% set max_offset = var('analysis_cohort_max_offset', 12) %}
with

cohort_retention as (

    select * from {{ ref('cohort_retention_monthly') }}

),

triangle as (

    select
        cohort_month,
        max(cohort_size) as cohort_size,
        {% for n in range(max_offset) -%}
            max(case when months_since_join = {{ n }} then retention_rate end) as m{{ '%02d' % n }},
        {% endfor -%}
        max(case when months_since_join = {{ max_offset }} then retention_rate end)
            as m{{ '%02d' % max_offset }}

    from cohort_retention
    group by cohort_month

)

select * from triangle
order by cohort_month
