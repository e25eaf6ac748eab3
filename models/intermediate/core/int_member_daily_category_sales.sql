{#- One row per member, purchase date and category: the net line amount of
    purchase orders in that category (lines of cancelled or fully refunded
    orders do not count). Incremental by purchase month. -#}
{{ config(**incremental_by_month('purchase_month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}

with

orders as (

    select * from {{ ref('int_orders') }}

),

order_items as (

    select * from {{ ref('stg_landing__order_items') }}

),

category_sales as (

    select
        orders.member_id,
        orders.order_date as purchase_date,
        order_items.category_code,
        cast(sum(order_items.line_net_amount) as decimal(18, 2)) as category_sales,
        orders.order_month as purchase_month

    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    where
        orders.is_purchase
        and {{ in_rebuild_months('orders.order_month') }}
    group by 1, 2, 3, 5

)

select * from category_sales
