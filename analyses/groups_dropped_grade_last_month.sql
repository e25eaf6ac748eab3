-- Groups that dropped a grade in the last complete month: grade_rank worse
-- (higher) than the same group's grade the month before. Worst drops first,
-- then the lowest activity uplift. Run: dbt compile --select
-- groups_dropped_grade_last_month, then paste target/compiled/... into a client.
with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

group_health as (

    select * from {{ ref('group_health_monthly') }}

),

dropped as (

    select
        group_health.month,
        group_health.group_id,
        group_health.mentor_id,
        group_health.previous_grade,
        group_health.grade,
        group_health.grade_rank - group_health.previous_grade_rank as ranks_dropped,
        group_health.roster_size,
        group_health.activity_rate,
        group_health.expected_activity_rate,
        group_health.activity_uplift_pp,
        group_health.unit_output,
        group_health.standard_unit_output,
        group_health.unit_output_uplift_pct

    from group_health
    inner join parameters
        on group_health.month = parameters.last_complete_month
    where group_health.grade_rank > group_health.previous_grade_rank

)

select * from dropped
order by ranks_dropped desc, activity_uplift_pp asc, group_id asc
