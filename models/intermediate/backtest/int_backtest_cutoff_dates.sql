{#- One row per backtest cut-off computed this run (snapshot_date): the
    cut-off days of int_backtest_snapshot_dates, where the population is
    read (a few dates, so the lifecycle on the cut-offs costs little). -#}
with

snapshot_dates as (

    select * from {{ ref('int_backtest_snapshot_dates') }}

),

cutoff_dates as (

    select * from snapshot_dates
    where is_cutoff

)

select * from cutoff_dates
