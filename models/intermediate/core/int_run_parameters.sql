{#- The run's one row of date parameters: as_of_date (var, else the latest
    local order date of any status), its month, and the last complete month. -#}
{#- A table: read by most models; as a view each of them would recompute the
    latest order date. -#}
{{ config(materialized='table') }}

with

orders as (

    select * from {{ ref('stg_landing__orders') }}

),

as_of as (

    {% if run_var('as_of_date') is not none %}
        select cast('{{ run_var("as_of_date") }}' as date) as as_of_date
    {% else %}
        select max(order_date) as as_of_date from orders
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
