{#- One row per backtest evaluation day, member alert code and member
    (evaluation_date, alert_code, member_id) for a member alert new on that
    day: in the member alerts of the day and not in those of the day before
    (the is_new of early_warnings, SPEC §5.5, each day its own cut-off).
    The day before an event day is evaluated only when it is an event day
    too (int_backtest_member_days): otherwise its alerts are those of her
    previous event day, but for the single-day alerts
    (single_day_member_alerts), closed on any day that is not an event day.
    With the segment whose playbook the alert follows. The one definition of "new"
    behind int_backtest_member_alerts (new within a cut-off's window) and
    int_backtest_member_tasks (new on the cut-off day). -#}
{{ config(materialized='table') }}
{%- set single_day_alerts = "'" ~ single_day_member_alerts() | join("', '") ~ "'" %}
-- Rendered SQL linted too (it calls a macro of macros/members); off: RF06, LT01, CP05, LT09
-- (rendered relation names are quoted; dbt's cross-database macros render their own layout).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:RF06,LT01,CP05,LT09

with

warnings as (

    select * from {{ ref('int_backtest_member_warnings') }}

),

event_days as (

    select
        member_id,
        snapshot_date,
        previous_evaluation_date

    from {{ ref('int_backtest_member_days') }}
    where is_event_day

),

final as (

    select
        warnings.evaluation_date,
        warnings.alert_code,
        warnings.entity_id as member_id,
        warnings.segment

    from warnings
    inner join event_days
        on
            warnings.entity_id = event_days.member_id
            and warnings.evaluation_date = event_days.snapshot_date
    left join warnings as previous_warnings
        on
            warnings.alert_code = previous_warnings.alert_code
            and warnings.entity_id = previous_warnings.entity_id
            and event_days.previous_evaluation_date = previous_warnings.evaluation_date
    where
        previous_warnings.entity_id is null
        or (
            warnings.alert_code in ({{ single_day_alerts }})
            and event_days.previous_evaluation_date
            < cast({{ dbt.dateadd('day', -1, 'warnings.evaluation_date') }} as date)
        )

)

select * from final
