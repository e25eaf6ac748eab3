{#- One row per member, calendar month and category with purchase lines:
    the net line amount of the member's purchases in the category.
    Incremental by month. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}

with

daily_category_sales as (

    select * from {{ ref('int_member_daily_category_sales') }}

),

monthly as (

    select
        member_id,
        purchase_month as month,
        category_code,
        cast(sum(category_sales) as decimal(18, 2)) as category_sales

    from daily_category_sales
    where {{ in_rebuild_months('purchase_month') }}
    group by 1, 2, 3

)

select * from monthly
