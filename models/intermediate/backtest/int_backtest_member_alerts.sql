{#- One row per backtest cut-off, member of its population and member alert
    code (cutoff_date, member_id, alert_code) when that alert was new on at
    least one day of [c − 29, c] (30 = var backtest_alert_window_days;
    "new": int_backtest_member_new_alerts). -#}
{{ config(materialized='table') }}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

new_alerts as (

    select * from {{ ref('int_backtest_member_new_alerts') }}

),

population as (

    select * from {{ ref('int_backtest_members') }}

),

in_window as (

    select distinct
        cutoffs.cutoff_date,
        new_alerts.member_id,
        new_alerts.alert_code

    from new_alerts
    inner join cutoffs
        on
            new_alerts.evaluation_date <= cutoffs.cutoff_date
            and new_alerts.evaluation_date
            > cast({{ dbt.dateadd('day', -var('backtest_alert_window_days'), 'cutoffs.cutoff_date') }} as date)

),

final as (

    select
        in_window.cutoff_date,
        in_window.member_id,
        in_window.alert_code

    from in_window
    inner join population
        on
            in_window.cutoff_date = population.cutoff_date
            and in_window.member_id = population.member_id

)

select * from final
