{#- One row per warning that is new on as_of_date (alert_code, entity_id,
    category_code, period_month; nulls equal), with the reason it is kept off
    the mentor's list (suppression_reason, null when it becomes part of a
    task). SPEC §5.7. -#}
with

warnings as (

    select * from {{ ref('early_warnings') }}

),

group_health as (

    select * from {{ ref('group_health_monthly') }}

),

groups as (

    select * from {{ ref('stg_landing__groups') }}

),

new_warnings as (

    select * from warnings
    where is_new

),

-- A group's first month is the month it was created in: members are still
-- joining, so its figures say nothing about the group yet.
group_first_months as (

    select
        group_id,
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as first_month

    from groups

),

with_context as (

    select
        new_warnings.*,
        group_first_months.first_month as group_first_month,
        group_health.active_members as period_active_members

    from new_warnings
    left join group_first_months
        on
            new_warnings.entity_type = 'group'
            and new_warnings.entity_id = group_first_months.group_id
    left join group_health
        on
            new_warnings.entity_type = 'group'
            and new_warnings.entity_id = group_health.group_id
            and new_warnings.period_month = group_health.month

),

-- First rule that applies. A grade drop compares the month with the one
-- before, so it refers to the first month when the month before is it.
judged as (

    select
        *,
        case
            when entity_type = 'mentor' then 'mentor_alert'
            when is_playbook_suppressed then 'playbook_no_further_spend'
            when
                period_month = group_first_month
                or (
                    alert_code = 'group_grade_drop'
                    and cast({{ dbt.dateadd('month', -1, 'period_month') }} as date) = group_first_month
                )
                then 'group_first_month'
            when
                alert_code = 'category_gap'
                and coalesce(period_active_members, 0) < {{ var('category_gap_min_active') }}
                then 'category_gap_few_active'
        end as suppression_reason

    from with_context

),

final as (

    select
        as_of_date,
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
        message_zh,
        message_en,
        action_code,
        action_zh,
        action_en,
        period_active_members,
        group_first_month,
        suppression_reason

    from judged

)

select * from final
