{#- Incremental by month: a run rewrites the months of int_rebuild_months. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ in_rebuild_months('month') }}

),

monthly_category_sales as (

    select * from {{ ref('int_member_monthly_category_sales') }}
    where {{ in_rebuild_months('month') }}

),

platform_category_outputs as (

    select * from {{ ref('int_platform_month_category_outputs') }}
    where {{ in_rebuild_months('month') }}

),

categories as (

    select * from {{ ref('categories') }}

),

group_months as (

    select
        group_id,
        month,
        mentor_id,
        is_complete_month,
        count(case when is_active then 1 end) as active_members

    from group_month_rosters
    group by 1, 2, 3, 4

),

group_category_sales as (

    select
        group_month_rosters.group_id,
        group_month_rosters.month,
        monthly_category_sales.category_code,
        sum(monthly_category_sales.category_sales) as category_sales

    from group_month_rosters
    inner join monthly_category_sales
        on
            group_month_rosters.member_id = monthly_category_sales.member_id
            and group_month_rosters.month = monthly_category_sales.month
    group by 1, 2, 3

),

spine as (

    select
        group_months.group_id,
        group_months.month,
        group_months.mentor_id,
        group_months.is_complete_month,
        group_months.active_members,
        categories.category_code

    from group_months
    cross join categories

),

unit_outputs as (

    select
        spine.group_id,
        spine.month,
        spine.category_code,
        spine.mentor_id,
        spine.is_complete_month,
        spine.active_members,
        coalesce(group_category_sales.category_sales, 0) as category_sales,
        case
            when spine.active_members > 0
                then
                    cast(coalesce(group_category_sales.category_sales, 0) as {{ type_double() }})
                    / spine.active_members
        end as category_unit_output,
        platform_category_outputs.platform_category_unit_output

    from spine
    left join group_category_sales
        on
            spine.group_id = group_category_sales.group_id
            and spine.month = group_category_sales.month
            and spine.category_code = group_category_sales.category_code
    left join platform_category_outputs
        on
            spine.month = platform_category_outputs.month
            and spine.category_code = platform_category_outputs.category_code

),

indexed as (

    select
        unit_outputs.*,
        case
            when unit_outputs.platform_category_unit_output > 0
                then unit_outputs.category_unit_output / unit_outputs.platform_category_unit_output
        end as output_index

    from unit_outputs

),

final as (

    select
        group_id,
        month,
        category_code,
        mentor_id,
        is_complete_month,
        cast(active_members as integer) as active_members,
        cast(category_sales as decimal(18, 4)) as category_sales,
        category_unit_output,
        platform_category_unit_output,
        output_index,
        case
            when is_complete_month and output_index < 1 - {{ var('category_gap_tolerance') }}
                then true
            else false
        end as is_gap

    from indexed

)

select * from final
