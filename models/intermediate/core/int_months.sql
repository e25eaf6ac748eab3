{#- One row per calendar month from the first month anything happened in -
    the first join month or the first month a membership interval started (a
    membership may start before its member's join date, and a group's
    month-end roster then is not empty; SPEC §5.2, §5.3) - to the month of
    as_of_date: its first day, its month end (the last day, or as_of_date for
    the month containing it) and whether it is complete. Marts whose SPEC
    spine starts at the first join month (funnel_monthly) start there. -#}
with

members as (

    select * from {{ ref('int_members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

roster_intervals as (

    select * from {{ ref('int_roster_intervals') }}

),

first_join as (

    select min(join_month) as first_month from members

),

first_start as (

    select cast({{ dbt.date_trunc('month', 'min(start_date)') }} as date) as first_month
    from roster_intervals

),

first_month as (

    select
        least(
            first_join.first_month,
            coalesce(first_start.first_month, first_join.first_month)
        ) as first_month

    from first_join
    cross join first_start

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
        least(cast({{ dbt.last_day('months.month', 'month') }} as date), parameters.as_of_date) as month_end,
        cast({{ dbt.last_day('months.month', 'month') }} as date) <= parameters.as_of_date
            as is_complete_month

    from months
    cross join parameters
    where months.month <= parameters.as_of_month

)

select * from bounded
