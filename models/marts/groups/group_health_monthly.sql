{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on, computing them from rosters that
    include the month before (previous_grade). -#}
{{ config(**incremental_by_month('month')) }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month', months_before=1) }}

),

platform_outputs as (

    select * from {{ ref('int_platform_month_outputs') }}

),

unit_output_standards as (

    select * from {{ ref('unit_output_standards') }}

),

grades as (

    select * from {{ ref('group_health_grades') }}

),

group_months as (

    select
        group_id,
        month,
        mentor_id,
        is_complete_month,
        count(*) as roster_size,
        count(case when is_active then 1 end) as active_members,
        sum(sales) as sales,
        -- exact decimal sum, then one division: the same value whatever the row order
        cast(sum(expected_active_rate) as {{ type_double() }}) / count(expected_active_rate) as expected_activity_rate

    from group_month_rosters
    group by 1, 2, 3, 4

),

rates as (

    select
        group_months.group_id,
        group_months.month,
        group_months.mentor_id,
        group_months.is_complete_month,
        group_months.roster_size,
        group_months.active_members,
        cast(group_months.active_members as {{ type_double() }})
        / group_months.roster_size as activity_rate,
        group_months.sales,
        case
            when group_months.active_members > 0
                then cast(group_months.sales as {{ type_double() }}) / group_months.active_members
        end as unit_output,
        group_months.expected_activity_rate,
        coalesce(
            cast(unit_output_standards.standard_unit_output as {{ type_double() }}),
            platform_outputs.platform_unit_output
        ) as standard_unit_output,
        case
            when unit_output_standards.standard_unit_output is not null then 'seed'
            else 'platform'
        end as standard_source

    from group_months
    left join unit_output_standards
        on group_months.month = unit_output_standards.month
    left join platform_outputs
        on group_months.month = platform_outputs.month

),

uplifts as (

    select
        rates.*,
        (rates.activity_rate - rates.expected_activity_rate) * 100 as activity_uplift_pp,
        case
            when rates.standard_unit_output > 0
                then (rates.unit_output / rates.standard_unit_output - 1) * 100
        end as unit_output_uplift_pct

    from rates

),

best_grades as (

    select
        uplifts.group_id,
        uplifts.month,
        min(grades.grade_rank) as best_grade_rank

    from uplifts
    inner join grades
        on
            cast(uplifts.activity_uplift_pp as decimal(18, 4)) >= grades.min_activity_uplift_pp
            and cast(uplifts.unit_output_uplift_pct as decimal(18, 4))
            >= grades.min_unit_output_uplift_pct
    group by 1, 2

),

fail_grade as (

    select max(grade_rank) + 1 as grade_rank from grades

),

graded as (

    select
        uplifts.*,
        case
            when not uplifts.is_complete_month then null
            when uplifts.roster_size < {{ var('min_group_size') }} then null
            when uplifts.active_members = 0 then fail_grade.grade_rank
            else coalesce(best_grades.best_grade_rank, fail_grade.grade_rank)
        end as grade_rank

    from uplifts
    cross join fail_grade
    left join best_grades
        on
            uplifts.group_id = best_grades.group_id
            and uplifts.month = best_grades.month

),

named as (

    select
        graded.*,
        case
            when graded.grade_rank is null then null
            else coalesce(grades.grade, 'fail')
        end as grade

    from graded
    left join grades
        on graded.grade_rank = grades.grade_rank

),

with_previous as (

    select
        named.*,
        previous_month.grade as previous_grade,
        previous_month.grade_rank as previous_grade_rank

    from named
    left join named as previous_month
        on
            named.group_id = previous_month.group_id
            and cast({{ dbt.dateadd('month', -1, 'named.month') }} as date) = previous_month.month

),

final as (

    select
        group_id,
        month,
        mentor_id,
        is_complete_month,
        cast(roster_size as integer) as roster_size,
        cast(active_members as integer) as active_members,
        activity_rate,
        cast(sales as decimal(18, 4)) as sales,
        unit_output,
        expected_activity_rate,
        standard_unit_output,
        -- typed as the contract: PostgreSQL reads a string literal as text,
        -- which an incremental run's schema check would take for a change
        cast(standard_source as {{ engine_data_type('varchar') }}) as standard_source,
        activity_uplift_pp,
        unit_output_uplift_pct,
        grade,
        cast(grade_rank as integer) as grade_rank,
        previous_grade,
        cast(previous_grade_rank as integer) as previous_grade_rank

    from with_previous
    where {{ rebuilt_months('month') }}

)

select * from final
