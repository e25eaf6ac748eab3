{#- Orders of members joined by as_of_date, dated on or before as_of_date
    (the cut-off), with net amount and purchase flag from staging. -#}
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
        orders.source_batch

    from orders
    inner join members
        on orders.member_id = members.member_id
    cross join parameters
    where orders.order_date <= parameters.as_of_date

)

select * from cut_off
