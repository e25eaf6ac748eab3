{#- One row per group or mentor alert open on an evaluation day
    (evaluation_date, alert_code, entity_id, category_code, period_month) for
    the two evaluation days as_of_date and the day before. Monthly alerts
    refer to the last complete month as of the evaluation day; a complete
    month's figures are the same under both cut-offs, so the group marts'
    rows for that month serve both days. p1 … p5 are the figures the
    alert_catalog message template shows (codes of grades and categories
    are named in int_warnings_by_day). -#}
with

snapshot_dates as (

    select * from {{ ref('int_member_snapshot_dates') }}

),

group_health as (

    select * from {{ ref('group_health_monthly') }}

),

group_category_outputs as (

    select * from {{ ref('group_category_output_monthly') }}

),

handover_losses as (

    select * from {{ ref('handover_losses') }}

),

roster_intervals as (

    select * from {{ ref('int_roster_intervals') }}

),

grades as (

    select * from {{ ref('group_health_grades') }}

),

evaluation_days as (

    select
        snapshot_date as evaluation_date,
        last_complete_month as period_month

    from snapshot_dates
    where is_as_of or is_day_before

),

-- Grades below the last seed grade are `fail`.
passing as (

    select max(grade_rank) as lowest_passing_rank from grades

),

group_fails as (

    select
        evaluation_days.evaluation_date,
        'group_fail' as alert_code,
        group_health.group_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        evaluation_days.period_month,
        group_health.mentor_id,
        cast(group_health.grade_rank as {{ type_double() }}) as metric_value,
        cast(passing.lowest_passing_rank as {{ type_double() }}) as threshold_value,
        {{ format_month('evaluation_days.period_month') }} as p1,
        {{ format_number('group_health.activity_rate * 100', 1) }} as p2,
        {{ format_number('group_health.expected_activity_rate * 100', 1) }} as p3,
        {{ format_number('coalesce(group_health.unit_output, 0)', 2) }} as p4,
        coalesce({{ format_number('group_health.standard_unit_output', 2) }}, '-') as p5

    from group_health
    inner join evaluation_days
        on group_health.month = evaluation_days.period_month
    cross join passing
    where group_health.grade_rank > passing.lowest_passing_rank

),

group_grade_drops as (

    select
        evaluation_days.evaluation_date,
        'group_grade_drop' as alert_code,
        group_health.group_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        evaluation_days.period_month,
        group_health.mentor_id,
        cast(group_health.grade_rank as {{ type_double() }}) as metric_value,
        cast(month_before.grade_rank as {{ type_double() }}) as threshold_value,
        {{ format_month('evaluation_days.period_month') }} as p1,
        month_before.grade as p2,
        group_health.grade as p3,
        cast(null as {{ dbt.type_string() }}) as p4,
        cast(null as {{ dbt.type_string() }}) as p5

    from group_health
    inner join evaluation_days
        on group_health.month = evaluation_days.period_month
    inner join group_health as month_before
        on
            group_health.group_id = month_before.group_id
            and cast({{ dbt.dateadd('month', -1, 'group_health.month') }} as date)
            = month_before.month
    where group_health.grade_rank > month_before.grade_rank

),

category_gaps as (

    select
        evaluation_days.evaluation_date,
        'category_gap' as alert_code,
        group_category_outputs.group_id as entity_id,
        group_category_outputs.category_code,
        evaluation_days.period_month,
        group_category_outputs.mentor_id,
        group_category_outputs.output_index as metric_value,
        cast(1 - {{ var('category_gap_tolerance') }} as {{ type_double() }}) as threshold_value,
        {{ format_month('evaluation_days.period_month') }} as p1,
        group_category_outputs.category_code as p2,
        {{ format_number('group_category_outputs.category_unit_output', 2) }} as p3,
        {{ format_number('group_category_outputs.output_index * 100', 1) }} as p4,
        cast(null as {{ dbt.type_string() }}) as p5

    from group_category_outputs
    inner join evaluation_days
        on group_category_outputs.month = evaluation_days.period_month
    where group_category_outputs.is_gap

),

-- A mentor's roster on day d: distinct members on any of her groups'
-- rosters that day.
mentor_rosters as (

    select
        evaluation_days.evaluation_date,
        roster_intervals.mentor_id,
        count(distinct roster_intervals.member_id) as roster_size

    from roster_intervals
    inner join evaluation_days
        on
            roster_intervals.start_date <= evaluation_days.evaluation_date
            and (
                roster_intervals.end_date is null
                or roster_intervals.end_date > evaluation_days.evaluation_date
            )
    group by 1, 2

),

mentor_overloads as (

    select
        evaluation_date,
        'mentor_overloaded' as alert_code,
        mentor_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        cast(null as date) as period_month,
        mentor_id,
        cast(roster_size as {{ type_double() }}) as metric_value,
        cast({{ var('mentor_capacity') }} as {{ type_double() }}) as threshold_value,
        cast(roster_size as {{ dbt.type_string() }}) as p1,
        cast({{ var('mentor_capacity') }} as {{ dbt.type_string() }}) as p2,
        cast(null as {{ dbt.type_string() }}) as p3,
        cast(null as {{ dbt.type_string() }}) as p4,
        cast(null as {{ dbt.type_string() }}) as p5

    from mentor_rosters
    where roster_size > {{ var('mentor_capacity') }}

),

-- One day only: the day the re-homing window of a closed group ends.
handover_alerts as (

    select
        evaluation_days.evaluation_date,
        'handover_loss' as alert_code,
        handover_losses.group_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        cast(null as date) as period_month,
        handover_losses.mentor_id,
        cast(handover_losses.lost as {{ type_double() }}) as metric_value,
        cast(0 as {{ type_double() }}) as threshold_value,
        cast(handover_losses.closed_date as {{ dbt.type_string() }}) as p1,
        cast({{ var('handover_window_days') }} as {{ dbt.type_string() }}) as p2,
        cast(handover_losses.lost as {{ dbt.type_string() }}) as p3,
        {{ format_number('handover_losses.loss_rate * 100', 1) }} as p4,
        cast(null as {{ dbt.type_string() }}) as p5

    from handover_losses
    inner join evaluation_days
        on
            cast(
                {{ dbt.dateadd('day', var('handover_window_days'), 'handover_losses.closed_date') }}
                as date
            ) = evaluation_days.evaluation_date
    where handover_losses.lost > 0

),

unioned as (

    select * from group_fails
    union all
    select * from group_grade_drops
    union all
    select * from category_gaps
    union all
    select * from mentor_overloads
    union all
    select * from handover_alerts

),

final as (

    select
        evaluation_date,
        alert_code,
        entity_id,
        category_code,
        period_month,
        mentor_id,
        cast(null as {{ dbt.type_string() }}) as segment,
        metric_value,
        threshold_value,
        p1,
        p2,
        p3,
        p4,
        p5

    from unioned

)

select * from final
