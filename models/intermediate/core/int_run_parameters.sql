{#- The run's one row of date parameters: as_of_date (var, else the latest
    local order date of any status), its month, and the last complete month.
    The latest local date is read from the orders of the last two days only
    (radar/rebuild.py does the same for the pipeline's rebuild start). -#}
{#- A table: read by most models; as a view each of them would recompute the
    latest order date. -#}
{{ config(materialized='table') }}

with

orders as (

    select * from {{ ref('stg_landing__orders') }}

),

-- a second import, not a second reader of orders: DuckDB would materialize
-- the CTE, computing every order's local date (0.9 s at L against 0.005 s)
latest_order as (

    select max(ordered_at_utc) as latest_ordered_at_utc
    from {{ ref('stg_landing__orders') }}

),

-- Only orders within two days of the latest order can fall on the latest
-- local date: every UTC offset lies between -12 h and +14 h, 26 hours apart.
recent_orders as (

    select orders.order_date

    from orders
    cross join latest_order
    where
        orders.ordered_at_utc
        >= {{ dbt.dateadd('hour', -48, 'latest_order.latest_ordered_at_utc') }}

),

as_of as (

    {% if run_var('as_of_date') is not none %}
        select cast('{{ run_var("as_of_date") }}' as date) as as_of_date
    {% else %}
        select max(order_date) as as_of_date from recent_orders
    {% endif %}

),

parameters as (

    select
        as_of_date,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month,
        case
            when as_of_date = cast({{ dbt.last_day('as_of_date', 'month') }} as date)
                then cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
            else cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'as_of_date')) }} as date)
        end as last_complete_month

    from as_of

)

select * from parameters
