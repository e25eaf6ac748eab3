{#- One row per member and purchase date: the number of purchases and their
    sales (net amount). The one place purchases are aggregated by day. -#}
with

orders as (

    select * from {{ ref('int_orders') }}

),

daily as (

    select
        member_id,
        order_date as purchase_date,
        count(*) as purchases,
        cast(sum(net_amount) as decimal(18, 2)) as sales

    from orders
    where is_purchase
    group by 1, 2

)

select * from daily
