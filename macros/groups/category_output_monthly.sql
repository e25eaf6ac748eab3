{#- The SELECT of both category marts (SPEC §5.3), one definition: one row per
    entity, month and category for every entity-month of the month-end
    rosters (int_group_month_rosters; a member is on one group's roster at a
    month end, so a mentor's roster — the union of her groups' — is their
    rows, and her category sales the sum of her groups'), zeros included.
    `entity_columns`: the entity's key first, then columns it determines
    (['group_id', 'mentor_id'] or ['mentor_id']). Reads the months a
    nightly run rebuilds only; the caller's config makes it incremental. -#}
{% macro category_output_monthly(entity_columns) %}
{%- set key = entity_columns[0] -%}
{%- set attributes = entity_columns[1:] -%}
with

month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

group_category_sales as (

    select * from {{ ref('int_group_month_category_sales') }}
    where {{ rebuilt_months('month') }}

),

platform_category_outputs as (

    select * from {{ ref('int_platform_month_category_outputs') }}
    where {{ rebuilt_months('month') }}

),

categories as (

    select * from {{ ref('categories') }}

),

entity_months as (

    select
        {{ key }},
        month,
        {%- for column in attributes %}
        {{ column }},
        {%- endfor %}
        is_complete_month,
        count(case when is_active then 1 end) as active_members

    from month_rosters
    group by {{ key }}, month, {% for column in attributes %}{{ column }}, {% endfor %}is_complete_month

),

entity_category_sales as (

    select
        {{ key }},
        month,
        category_code,
        sum(category_sales) as category_sales

    from group_category_sales
    group by 1, 2, 3

),

spine as (

    select
        entity_months.*,
        categories.category_code

    from entity_months
    cross join categories

),

unit_outputs as (

    select
        spine.*,
        coalesce(entity_category_sales.category_sales, 0) as category_sales,
        case
            when spine.active_members > 0
                then
                    cast(coalesce(entity_category_sales.category_sales, 0) as {{ type_double() }})
                    / spine.active_members
        end as category_unit_output,
        platform_category_outputs.platform_category_unit_output

    from spine
    left join entity_category_sales
        on
            spine.{{ key }} = entity_category_sales.{{ key }}
            and spine.month = entity_category_sales.month
            and spine.category_code = entity_category_sales.category_code
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
        {{ key }},
        month,
        category_code,
        {%- for column in attributes %}
        {{ column }},
        {%- endfor %}
        is_complete_month,
        cast(active_members as integer) as active_members,
        cast(category_sales as decimal(18, 4)) as category_sales,
        category_unit_output,
        platform_category_unit_output,
        output_index,
        coalesce(
            is_complete_month and output_index < 1 - {{ var('category_gap_tolerance') }}, false
        ) as is_gap

    from indexed

)

select * from final
{% endmacro %}
