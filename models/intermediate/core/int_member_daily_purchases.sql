{#- One row per member and purchase date: the number of purchases and their
    sales (net amount). The one place purchases are aggregated by day.
    Incremental by purchase month (macro incremental_by_month). -#}
{{ config(**incremental_by_month('purchase_month')) }}

with

orders as (

    select * from {{ ref('int_orders') }}

),

daily as (

    select
        member_id,
        order_date as purchase_date,
        count(*) as purchases,
        cast(sum(net_amount) as decimal(18, 2)) as sales,
        order_month as purchase_month

    from orders
    where
        is_purchase
        and {{ rebuilt_months('order_month') }}
    group by 1, 2, 5

)

select * from daily
