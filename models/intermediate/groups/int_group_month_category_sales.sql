{#- One row per group, month and category with purchase lines of the group's
    month-end roster members: the net line amount of their purchases in the
    category in the calendar month (a member's month counts for the group
    whose roster she is on at the month end; lines of cancelled or fully
    refunded orders do not count). The one place order lines are aggregated
    by category. Incremental by month. -#}
{{ config(**incremental_by_month('month')) }}

with

orders as (

    select * from {{ ref('int_orders') }}
    where is_purchase and {{ rebuilt_months('order_month') }}

),

order_items as (

    select * from {{ ref('stg_landing__order_items') }}

),

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

roster_orders as (

    select
        group_month_rosters.group_id,
        group_month_rosters.mentor_id,
        group_month_rosters.month,
        orders.order_id

    from orders
    inner join group_month_rosters
        on
            orders.member_id = group_month_rosters.member_id
            and orders.order_month = group_month_rosters.month

),

monthly as (

    select
        roster_orders.group_id,
        roster_orders.mentor_id,
        roster_orders.month,
        order_items.category_code,
        cast(sum(order_items.line_net_amount) as decimal(18, 2)) as category_sales

    from roster_orders
    inner join order_items
        on roster_orders.order_id = order_items.order_id
    group by 1, 2, 3, 4

)

select * from monthly
