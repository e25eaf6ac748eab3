{#- One row per calendar month from the first join month to the month of
    as_of_date: its first day, its month end (the last day, or as_of_date for
    the month containing it) and whether it is complete. -#}
with

members as (

    select * from {{ ref('int_members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

first_month as (

    select min(join_month) as first_month from members

),

numbers as (

    {{ dbt.generate_series(1200) }}

),

months as (

    select
        cast({{ dbt.dateadd('month', 'numbers.generated_number - 1', 'first_month.first_month') }} as date)
            as month

    from numbers
    cross join first_month

),

bounded as (

    select
        months.month,
        cast({{ dbt.last_day('months.month', 'month') }} as date) as month_last_day,
        case
            when cast({{ dbt.last_day('months.month', 'month') }} as date) <= parameters.as_of_date
                then cast({{ dbt.last_day('months.month', 'month') }} as date)
            else parameters.as_of_date
        end as month_end,
        cast({{ dbt.last_day('months.month', 'month') }} as date) <= parameters.as_of_date
            as is_complete_month

    from months
    cross join parameters
    where months.month <= parameters.as_of_month

)

select * from bounded
