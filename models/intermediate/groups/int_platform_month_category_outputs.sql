{#- One row per month with a non-empty month-end roster anywhere and per
    category of the categories seed: all roster members' category sales and
    the platform category unit output (category sales / active roster
    members of the month; null with 0 active). -#}
{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

group_category_sales as (

    select * from {{ ref('int_group_month_category_sales') }}
    where {{ rebuilt_months('month') }}

),

categories as (

    select * from {{ ref('categories') }}

),

platform_months as (

    select
        month,
        cast(count(case when is_active then 1 end) as integer) as active_members

    from group_month_rosters
    group by 1

),

roster_category_sales as (

    select
        month,
        category_code,
        sum(category_sales) as category_sales

    from group_category_sales
    group by 1, 2

),

spine as (

    select
        platform_months.month,
        platform_months.active_members,
        categories.category_code

    from platform_months
    cross join categories

),

final as (

    select
        spine.month,
        spine.category_code,
        spine.active_members,
        cast(coalesce(roster_category_sales.category_sales, 0) as decimal(18, 2)) as category_sales,
        case
            when spine.active_members > 0
                then
                    cast(coalesce(roster_category_sales.category_sales, 0) as {{ type_double() }})
                    / spine.active_members
        end as platform_category_unit_output

    from spine
    left join roster_category_sales
        on
            spine.month = roster_category_sales.month
            and spine.category_code = roster_category_sales.category_code

)

select * from final
