{#- One row per warning open on as_of_date (alert_code, entity_id,
    category_code, period_month; nulls equal), flagged is_new when the same
    key was not open on the day before (same data, that cut-off). -#}
with

warnings_by_day as (

    select * from {{ ref('int_warnings_by_day') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

today as (

    select warnings_by_day.*

    from warnings_by_day
    inner join parameters
        on warnings_by_day.evaluation_date = parameters.as_of_date

),

yesterday as (

    select warnings_by_day.*

    from warnings_by_day
    inner join parameters
        on
            warnings_by_day.evaluation_date
            = cast({{ dbt.dateadd('day', -1, 'parameters.as_of_date') }} as date)

),

compared as (

    select
        today.*,
        yesterday.alert_code is null as is_new

    from today
    left join yesterday
        on
            today.alert_code = yesterday.alert_code
            and today.entity_id = yesterday.entity_id
            and (
                today.category_code = yesterday.category_code
                or (today.category_code is null and yesterday.category_code is null)
            )
            and (
                today.period_month = yesterday.period_month
                or (today.period_month is null and yesterday.period_month is null)
            )

),

final as (

    select
        evaluation_date as as_of_date,
        alert_code,
        entity_type,
        entity_id,
        category_code,
        period_month,
        mentor_id,
        severity,
        severity_rank,
        alert_name_zh,
        alert_name_en,
        metric_value,
        threshold_value,
        message_zh,
        message_en,
        action_code,
        action_zh,
        action_en,
        is_playbook_suppressed,
        is_new

    from compared

)

select * from final
