{#- One row per member, calendar month and category with purchase lines:
    the net line amount of the member's purchases in the category (lines of
    cancelled or fully refunded orders do not count). The one place order
    lines are aggregated by category. Incremental by month. -#}
{{ config(**incremental_by_month('month')) }}

with

orders as (

    select * from {{ ref('int_orders') }}

),

order_items as (

    select * from {{ ref('stg_landing__order_items') }}

),

monthly as (

    select
        orders.member_id,
        orders.order_month as month,
        order_items.category_code,
        cast(sum(order_items.line_net_amount) as decimal(18, 2)) as category_sales

    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    where
        orders.is_purchase
        and {{ rebuilt_months('orders.order_month') }}
    group by 1, 2, 3

)

select * from monthly
