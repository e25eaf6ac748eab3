{#- One row per month with a non-empty month-end roster anywhere: the
    platform's roster members, active roster members, their sales and the
    platform unit output (sales / active members; null with 0 active). -#}
{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

platform as (

    select
        month,
        cast(count(*) as integer) as roster_members,
        cast(count(case when is_active then 1 end) as integer) as active_members,
        cast(sum(sales) as decimal(18, 2)) as sales

    from group_month_rosters
    group by 1

),

final as (

    select
        month,
        roster_members,
        active_members,
        sales,
        case
            when active_members > 0
                then cast(sales as {{ type_double() }}) / active_members
        end as platform_unit_output

    from platform

)

select * from final
