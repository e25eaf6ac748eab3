{#- One row per member, calendar month and category with purchase lines:
    the net line amount of the member's purchases in the category. -#}
{#- A table, not a view: read by three models, computed once per build. -#}
{{ config(materialized='table') }}

with

daily_category_sales as (

    select * from {{ ref('int_member_daily_category_sales') }}

),

monthly as (

    select
        member_id,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as month,
        category_code,
        cast(sum(category_sales) as decimal(18, 2)) as category_sales

    from daily_category_sales
    group by 1, 2, 3

)

select * from monthly
