{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

mentor_month_rosters as (

    select * from {{ ref('int_mentor_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

mentor_groups as (

    select
        mentor_id,
        month,
        count(distinct group_id) as active_groups

    from group_month_rosters
    group by 1, 2

),

mentor_months as (

    select
        mentor_id,
        month,
        is_complete_month,
        count(*) as roster_size,
        count(case when is_active then 1 end) as active_members,
        sum(sales) as sales,
        -- exact decimal sum, then one division: the same value whatever the row order
        cast(sum(expected_active_rate) as {{ type_double() }}) / count(expected_active_rate) as expected_activity_rate

    from mentor_month_rosters
    group by 1, 2, 3

),

final as (

    select
        mentor_months.mentor_id,
        mentor_months.month,
        mentor_months.is_complete_month,
        cast(mentor_groups.active_groups as integer) as groups,
        cast(mentor_months.roster_size as integer) as roster_size,
        cast(mentor_months.active_members as integer) as active_members,
        cast(mentor_months.active_members as {{ type_double() }})
        / mentor_months.roster_size as activity_rate,
        cast(mentor_months.sales as decimal(18, 4)) as sales,
        case
            when mentor_months.active_members > 0
                then cast(mentor_months.sales as {{ type_double() }}) / mentor_months.active_members
        end as unit_output,
        mentor_months.expected_activity_rate,
        (
            cast(mentor_months.active_members as {{ type_double() }}) / mentor_months.roster_size
            - mentor_months.expected_activity_rate
        ) * 100 as activity_uplift_pp

    from mentor_months
    inner join mentor_groups
        on
            mentor_months.mentor_id = mentor_groups.mentor_id
            and mentor_months.month = mentor_groups.month

)

select * from final
