{#- One row per backtest cut-off computed this run (snapshot_date): the
    cut-off days of int_backtest_snapshot_dates, where the population is
    read (a few dates, so the lifecycle on the cut-offs costs little). -#}
with

snapshot_dates as (

    select * from {{ ref('int_backtest_snapshot_dates') }}

),

cutoff_dates as (

    select
        snapshot_date,
        is_month_end,
        is_cutoff,
        is_as_of,
        is_day_before,
        snapshot_month,
        previous_month_end,
        last_complete_month

    from snapshot_dates
    where is_cutoff

)

select * from cutoff_dates
