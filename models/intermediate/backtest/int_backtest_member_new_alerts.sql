{#- One row per backtest evaluation day, member alert code and member
    (evaluation_date, alert_code, member_id) for a member alert new on that
    day: in the member alerts of the day and not in those of the day before
    (the is_new of early_warnings, SPEC §5.5, each day its own cut-off), with
    the segment whose playbook the alert follows. The one definition of "new"
    behind int_backtest_member_alerts (new within a cut-off's window) and
    int_backtest_member_tasks (new on the cut-off day). -#}
{{ config(materialized='table') }}

with

warnings as (

    select * from {{ ref('int_backtest_member_warnings') }}

),

member_days as (

    select * from {{ ref('int_backtest_member_days') }}

),

-- The day before an event day is evaluated too, so there the previous open
-- day of the alert is d − 1 exactly when it was open then; on the other
-- days nothing changed since the day before (int_backtest_member_days).
sequenced as (

    select
        evaluation_date,
        alert_code,
        entity_id as member_id,
        segment,
        lag(evaluation_date) over (
            partition by alert_code, entity_id
            order by evaluation_date
        ) as previous_open_date

    from warnings

),

final as (

    select
        sequenced.evaluation_date,
        sequenced.alert_code,
        sequenced.member_id,
        sequenced.segment

    from sequenced
    inner join member_days
        on
            sequenced.member_id = member_days.member_id
            and sequenced.evaluation_date = member_days.snapshot_date
    where
        member_days.is_event_day
        and (
            sequenced.previous_open_date is null
            or sequenced.previous_open_date
            != cast({{ dbt.dateadd('day', -1, 'sequenced.evaluation_date') }} as date)
        )

)

select * from final
