{#- One row per task on a mentor's morning list (as_of_date, mentor_id,
    entity_type, entity_id; mentor_id null = operations' list of members in
    no group): today's new warnings that are not suppressed, one task per
    member or group, ranked by priority and cut at mentor_daily_capacity.
    SPEC §5.7; the ranking is documented in _tasks__docs.md. -#}
-- Lint the macros' SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
with

task_alerts as (

    select * from {{ ref('int_task_alerts') }}

),

members as (

    select * from {{ ref('member_segments') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

categories as (

    select * from {{ ref('categories') }}

),

churn_scores as (

    {#- The one place member_churn_risk (SPEC §7.2) is read; members not
        alive on as_of_date have no row there and keep nulls. -#}
    select
        member_id,
        churn_risk,
        expected_value_90d

    from {{ ref('member_churn_risk') }}

),

open_alerts as (

    select
        *,
        row_number() over (
            partition by entity_type, entity_id
            order by severity_rank, alert_code, category_code
        ) as alert_order

    from task_alerts
    where suppression_reason is null

),

-- Every new alert of the entity today, most severe first; a category gap
-- names its category.
reasons as (

    select
        open_alerts.entity_type,
        open_alerts.entity_id,
        count(*) as alerts,
        {{ ordered_listagg(
            dbt.concat([
                'open_alerts.alert_code',
                "case when open_alerts.category_code is null then '' else ':' end",
                "coalesce(open_alerts.category_code, '')",
            ]),
            "', '",
            'open_alerts.alert_order',
        ) }} as reasons,
        {{ ordered_listagg(
            dbt.concat([
                'open_alerts.alert_name_zh',
                "case when categories.name_zh is null then '' else '（' end",
                "coalesce(categories.name_zh, '')",
                "case when categories.name_zh is null then '' else '）' end",
            ]),
            "'、'",
            'open_alerts.alert_order',
        ) }} as reasons_zh,
        {{ ordered_listagg(
            dbt.concat([
                'open_alerts.alert_name_en',
                "case when categories.name_en is null then '' else ' (' end",
                "coalesce(categories.name_en, '')",
                "case when categories.name_en is null then '' else ')' end",
            ]),
            "'; '",
            'open_alerts.alert_order',
        ) }} as reasons_en

    from open_alerts
    left join categories
        on open_alerts.category_code = categories.category_code
    group by 1, 2

),

tasks as (

    select
        primary_alert.as_of_date,
        primary_alert.mentor_id,
        primary_alert.entity_type,
        primary_alert.entity_id,
        primary_alert.alert_code as primary_alert_code,
        primary_alert.severity,
        primary_alert.severity_rank,
        reasons.alerts,
        reasons.reasons,
        reasons.reasons_zh,
        reasons.reasons_en,
        primary_alert.message_zh,
        primary_alert.message_en,
        primary_alert.action_code,
        primary_alert.action_zh,
        primary_alert.action_en,
        members.tier,
        members.tenure_month,
        case
            when primary_alert.entity_type = 'group' then primary_alert.entity_id
            else members.group_id
        end as group_id,
        members.segment,
        rfm_segments.segment_rank,
        members.lifecycle_stage,
        members.last_purchase_date,
        members.recency_days,
        members.monetary_30d,
        churn_scores.churn_risk,
        churn_scores.expected_value_90d

    from open_alerts as primary_alert
    inner join reasons
        on
            primary_alert.entity_type = reasons.entity_type
            and primary_alert.entity_id = reasons.entity_id
    left join members
        on
            primary_alert.entity_type = 'member'
            and primary_alert.entity_id = members.member_id
    left join rfm_segments
        on members.segment = rfm_segments.segment
    left join churn_scores
        on
            primary_alert.entity_type = 'member'
            and primary_alert.entity_id = churn_scores.member_id
    where primary_alert.alert_order = 1

),

-- The priority (macro task_priority, docs: mentor_tasks): the value at
-- risk when the churn scores exist, else the interim segment and spend value.
prioritised as (

    select
        *,
        {{ task_priority('churn_risk', 'expected_value_90d', 'segment_rank', 'monetary_30d') }} as priority_score

    from tasks

),

ranked as (

    select
        *,
        row_number() over (
            partition by mentor_id
            order by {{ task_order() }}
        ) as task_rank

    from prioritised

),

final as (

    select
        as_of_date,
        mentor_id,
        cast(task_rank as integer) as task_rank,
        task_rank <= {{ var('mentor_daily_capacity') }} as within_capacity,
        entity_type,
        entity_id,
        primary_alert_code,
        severity,
        cast(alerts as integer) as alerts,
        reasons,
        reasons_zh,
        reasons_en,
        message_zh,
        message_en,
        action_code,
        action_zh,
        action_en,
        cast(priority_score as {{ type_double() }}) as priority_score,
        tier,
        tenure_month,
        group_id,
        segment,
        lifecycle_stage,
        last_purchase_date,
        monetary_30d,
        churn_risk,
        expected_value_90d

    from ranked

)

select * from final
