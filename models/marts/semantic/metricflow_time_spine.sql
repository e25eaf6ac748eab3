{#- One row per calendar day (date_day) of every month in int_months: from the
    first day of the first join month to the last day of the month of
    as_of_date. Built from the months and a 31-row number series with dbt's
    cross-database macros only, so no wall clock and no engine-specific SQL. -#}
with

months as (

    select * from {{ ref('int_months') }}

),

day_numbers as (

    {{ dbt.generate_series(31) }}

),

month_days as (

    select
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'months.month') }} as date)
            as date_day,
        months.month_last_day

    from months
    cross join day_numbers

),

spine as (

    select date_day

    from month_days
    where date_day <= month_last_day

)

select * from spine
