{#- One row per mentor with a new warning on as_of_date (as_of_date,
    mentor_id; null = operations' list): how many tasks her list has, how many
    fit in a day, and how many new warnings were kept off it, by reason.
    SPEC §5.7. -#}
with

task_alerts as (

    select * from {{ ref('int_task_alerts') }}

),

tasks as (

    select * from {{ ref('mentor_tasks') }}

),

alert_counts as (

    select
        as_of_date,
        mentor_id,
        count(*) as new_warnings,
        sum(case when suppression_reason is not null then 1 else 0 end) as suppressed,
        sum(case when suppression_reason = 'playbook_no_further_spend' then 1 else 0 end)
            as suppressed_no_further_spend,
        sum(case when suppression_reason = 'category_gap_few_active' then 1 else 0 end)
            as suppressed_category_gap_few_active,
        sum(case when suppression_reason = 'group_first_month' then 1 else 0 end)
            as suppressed_group_first_month,
        sum(case when suppression_reason = 'mentor_alert' then 1 else 0 end)
            as suppressed_mentor_alert

    from task_alerts
    group by 1, 2

),

task_counts as (

    select
        mentor_id,
        count(*) as tasks,
        sum(case when within_capacity then 1 else 0 end) as within_capacity,
        sum(case when within_capacity then 0 else 1 end) as over_capacity

    from tasks
    group by 1

),

final as (

    select
        alert_counts.as_of_date,
        alert_counts.mentor_id,
        cast(alert_counts.new_warnings as integer) as new_warnings,
        cast(coalesce(task_counts.tasks, 0) as integer) as tasks,
        cast(coalesce(task_counts.within_capacity, 0) as integer) as within_capacity,
        cast(coalesce(task_counts.over_capacity, 0) as integer) as over_capacity,
        cast(alert_counts.suppressed as integer) as suppressed,
        cast(alert_counts.suppressed_no_further_spend as integer) as suppressed_no_further_spend,
        cast(alert_counts.suppressed_category_gap_few_active as integer)
            as suppressed_category_gap_few_active,
        cast(alert_counts.suppressed_group_first_month as integer) as suppressed_group_first_month,
        cast(alert_counts.suppressed_mentor_alert as integer) as suppressed_mentor_alert

    from alert_counts
    left join task_counts
        on
            alert_counts.mentor_id = task_counts.mentor_id
            or (alert_counts.mentor_id is null and task_counts.mentor_id is null)

)

select * from final
