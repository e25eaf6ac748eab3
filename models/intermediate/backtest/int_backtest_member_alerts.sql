{#- One row per backtest cut-off, member of its population and member alert
    code (cutoff_date, member_id, alert_code) when that alert was new on at
    least one day of [c − 29, c] (30 = var backtest_alert_window_days): in
    the member alerts of that day and not in those of the day before
    (the is_new of early_warnings, SPEC §5.5, each day its own cut-off). -#}
{{ config(materialized='table') }}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

warnings as (

    select * from {{ ref('int_backtest_member_warnings') }}

),

population as (

    select * from {{ ref('int_backtest_members') }}

),

-- New on day d: the same alert of the same member was not open on d − 1.
-- Every day of a window and the day before it are evaluation days, so the
-- previous open day of the alert is d − 1 exactly when it was open then.
sequenced as (

    select
        evaluation_date,
        alert_code,
        entity_id as member_id,
        lag(evaluation_date) over (
            partition by alert_code, entity_id
            order by evaluation_date
        ) as previous_open_date

    from warnings

),

new_alerts as (

    select
        evaluation_date,
        alert_code,
        member_id

    from sequenced
    where
        previous_open_date is null
        or previous_open_date != cast({{ dbt.dateadd('day', -1, 'evaluation_date') }} as date)

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
