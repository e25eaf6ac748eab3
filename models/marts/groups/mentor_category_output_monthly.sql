{#- Incremental by month: a run rewrites the months of int_rebuild_months. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}

with

mentor_month_rosters as (

    select * from {{ ref('int_mentor_month_rosters') }}
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

mentor_months as (

    select
        mentor_id,
        month,
        is_complete_month,
        count(case when is_active then 1 end) as active_members

    from mentor_month_rosters
    group by 1, 2, 3

),

mentor_category_sales as (

    select
        mentor_month_rosters.mentor_id,
        mentor_month_rosters.month,
        monthly_category_sales.category_code,
        sum(monthly_category_sales.category_sales) as category_sales

    from mentor_month_rosters
    inner join monthly_category_sales
        on
            mentor_month_rosters.member_id = monthly_category_sales.member_id
            and mentor_month_rosters.month = monthly_category_sales.month
    group by 1, 2, 3

),

spine as (

    select
        mentor_months.mentor_id,
        mentor_months.month,
        mentor_months.is_complete_month,
        mentor_months.active_members,
        categories.category_code

    from mentor_months
    cross join categories

),

unit_outputs as (

    select
        spine.mentor_id,
        spine.month,
        spine.category_code,
        spine.is_complete_month,
        spine.active_members,
        coalesce(mentor_category_sales.category_sales, 0) as category_sales,
        case
            when spine.active_members > 0
                then
                    cast(coalesce(mentor_category_sales.category_sales, 0) as {{ type_double() }})
                    / spine.active_members
        end as category_unit_output,
        platform_category_outputs.platform_category_unit_output

    from spine
    left join mentor_category_sales
        on
            spine.mentor_id = mentor_category_sales.mentor_id
            and spine.month = mentor_category_sales.month
            and spine.category_code = mentor_category_sales.category_code
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
        mentor_id,
        month,
        category_code,
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
