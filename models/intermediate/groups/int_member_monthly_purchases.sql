{#- One row per member and calendar month with at least one purchase: the
    number of purchases and their sales. "Active in a month" everywhere in
    the group marts means a row here. Incremental by month. -#}
{{ config(**incremental_by_month('month')) }}

with

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),

monthly as (

    select
        member_id,
        purchase_month as month,
        cast(sum(purchases) as integer) as purchases,
        cast(sum(sales) as decimal(18, 2)) as sales

    from daily_purchases
    where {{ rebuilt_months('purchase_month') }}
    group by 1, 2

)

select * from monthly
