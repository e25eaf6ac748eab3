{#- Orders of members joined by as_of_date, dated on or before as_of_date
    (the cut-off), with net amount and purchase flag from staging: the order
    facts. Incremental by order month: a nightly run rewrites the months from
    var rebuild_from_date on (a late refund on a months-old order: from that
    order's month). -#}
{{ config(**incremental_by_month('order_month')) }}

with

orders as (

    select * from {{ ref('stg_landing__orders') }}

),

members as (

    select * from {{ ref('int_members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

cut_off as (

    select
        orders.order_id,
        orders.member_id,
        orders.status,
        orders.order_date,
        orders.net_amount,
        orders.is_purchase,
        orders.source_batch,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as order_month

    from orders
    inner join members
        on orders.member_id = members.member_id
    cross join parameters
    where
        orders.order_date <= parameters.as_of_date
        and {{ rebuilt_months('orders.order_date') }}

)

select * from cut_off
