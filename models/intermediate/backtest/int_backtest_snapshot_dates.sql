{#- One row per snapshot date (snapshot_date) a backtest evaluation day can
    fall on (int_backtest_member_days picks each member's): every day of
    [c − backtest_alert_window_days, c] for each cut-off c of
    int_backtest_cutoffs (the window [c − 29, c] and the day before its
    first day, for is_new). Same columns as int_member_snapshot_dates
    (is_as_of and is_day_before false). -#}
with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

numbers as (

    {{ dbt.generate_series(var('backtest_alert_window_days') + 1) }}

),

window_days as (

    select distinct
        cast({{ dbt.dateadd('day', '1 - numbers.generated_number', 'cutoffs.cutoff_date') }} as date)
            as snapshot_date

    from cutoffs
    cross join numbers

),

with_month as (

    select
        snapshot_date,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as snapshot_month,
        cast({{ dbt.last_day('snapshot_date', 'month') }} as date) as snapshot_month_last_day

    from window_days

),

described as (

    select
        snapshot_date,
        snapshot_date = snapshot_month_last_day as is_month_end,
        false as is_as_of,
        false as is_day_before,
        snapshot_month,
        cast({{ dbt.dateadd('day', -1, 'snapshot_month') }} as date) as previous_month_end,
        case
            when snapshot_date = snapshot_month_last_day then snapshot_month
            else cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
        end as last_complete_month

    from with_month

)

select * from described
