-- A mentor's category gaps in the last complete month: categories whose output
-- index (her sales per active member vs the platform's) is below
-- 1 - category_gap_tolerance, with the groups of hers that lag in the same
-- category. One mentor: dbt compile --vars '{analysis_mentor_id: MT0001}';
-- without the var every mentor is listed.
{% set mentor_id = var('analysis_mentor_id', none) -%}
{% set mentor_filter = 'true' if mentor_id is none
    else "mentor_categories.mentor_id = '" ~ mentor_id ~ "'" %}
with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

mentor_categories as (

    select * from {{ ref('mentor_category_output_monthly') }}

),

group_categories as (

    select * from {{ ref('group_category_output_monthly') }}

),

categories as (

    select * from {{ ref('categories') }}

),

mentor_gaps as (

    select
        mentor_categories.mentor_id,
        mentor_categories.month,
        mentor_categories.category_code,
        mentor_categories.category_unit_output,
        mentor_categories.platform_category_unit_output,
        mentor_categories.output_index

    from mentor_categories
    inner join parameters
        on mentor_categories.month = parameters.last_complete_month
    where
        mentor_categories.is_gap
        and {{ mentor_filter }}

),

lagging_groups as (

    select
        mentor_id,
        month,
        category_code,
        count(*) as groups_with_gap,
        min(output_index) as worst_group_index

    from group_categories
    where is_gap
    group by 1, 2, 3

),

final as (

    select
        mentor_gaps.mentor_id,
        mentor_gaps.month,
        mentor_gaps.category_code,
        categories.name_zh,
        categories.name_en,
        mentor_gaps.category_unit_output,
        mentor_gaps.platform_category_unit_output,
        mentor_gaps.output_index,
        coalesce(lagging_groups.groups_with_gap, 0) as groups_with_gap,
        lagging_groups.worst_group_index

    from mentor_gaps
    inner join categories
        on mentor_gaps.category_code = categories.category_code
    left join lagging_groups
        on
            mentor_gaps.mentor_id = lagging_groups.mentor_id
            and mentor_gaps.month = lagging_groups.month
            and mentor_gaps.category_code = lagging_groups.category_code

)

select * from final
order by mentor_id, output_index
