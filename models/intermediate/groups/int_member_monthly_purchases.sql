{#- One row per member and calendar month with at least one purchase: the
    number of purchases and their sales. "Active in a month" everywhere in
    the group marts means a row here. -#}
{#- A table, not a view: read by three models, computed once per build. -#}
{{ config(materialized='table') }}

with

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),

monthly as (

    select
        member_id,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as month,
        cast(sum(purchases) as integer) as purchases,
        cast(sum(sales) as decimal(18, 2)) as sales

    from daily_purchases
    group by 1, 2

)

select * from monthly
