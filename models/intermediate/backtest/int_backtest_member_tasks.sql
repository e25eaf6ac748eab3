{#- One row per backtest cut-off and member with a member alert new on the
    cut-off day itself (cutoff_date, member_id): the member part of the
    mentor's list as mentor_tasks would have made it on day c — playbook
    suppression (alert_actions.is_suppressed), one task per member with its
    most severe remaining alert, ranked per mentor by severity and the same
    priority (macros task_priority, task_order) from the churn scores as of
    c, cut at mentor_daily_capacity. Group tasks are not part of the backtest
    (they have no member outcome), so a mentor's member tasks here may fill
    capacity that group tasks would take on her real list. Members who
    churned on c are ranked (they are on her list that day) but are not in
    the population whose outcome int_backtest_results measures. For
    comparison, value_rank orders the same tasks by priority_score alone
    (severity only breaks ties): what the list would hold if it were ranked
    by value at risk first. -#}
{{ config(materialized='table') }}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

new_alerts as (

    select * from {{ ref('int_backtest_member_new_alerts') }}

),

-- Her state on c (a month end): her row of member_segment_history, the
-- member_segments computation with c as the cut-off; her mentor on c: her
-- group's month-end roster.
history as (

    select * from {{ ref('member_segment_history') }}

),

month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}

),

alert_catalog as (

    select * from {{ ref('alert_catalog') }}

),

alert_actions as (

    select * from {{ ref('alert_actions') }}

),

churn_scores as (

    select * from {{ source('backtest', 'churn_scores') }}

),

new_on_cutoff as (

    select
        cutoffs.cutoff_date,
        new_alerts.member_id,
        new_alerts.alert_code,
        new_alerts.segment

    from new_alerts
    inner join cutoffs
        on new_alerts.evaluation_date = cutoffs.cutoff_date

),

judged as (

    select
        new_on_cutoff.cutoff_date,
        new_on_cutoff.member_id,
        alert_catalog.severity_rank,
        coalesce(alert_actions.is_suppressed, false) as is_suppressed

    from new_on_cutoff
    inner join alert_catalog
        on new_on_cutoff.alert_code = alert_catalog.alert_code
    left join alert_actions
        on
            new_on_cutoff.alert_code = alert_actions.alert_code
            and new_on_cutoff.segment = alert_actions.segment

),

per_member as (

    select
        cutoff_date,
        member_id,
        count(*) as new_alerts,
        sum(case when is_suppressed then 0 else 1 end) as open_alerts,
        min(case when is_suppressed then null else severity_rank end) as severity_rank

    from judged
    group by 1, 2

),

tasks as (

    select
        per_member.cutoff_date,
        per_member.member_id,
        month_rosters.mentor_id,
        per_member.new_alerts,
        per_member.open_alerts,
        per_member.severity_rank,
        history.recency_days,
        churn_scores.churn_risk,
        churn_scores.expected_value_90d,
        {{ task_priority(
            'churn_scores.churn_risk', 'churn_scores.expected_value_90d',
            'history.segment_rank', 'history.monetary_30d',
        ) }} as priority_score

    from per_member
    left join history
        on
            per_member.cutoff_date = history.month_end
            and per_member.member_id = history.member_id
    left join month_rosters
        on
            per_member.cutoff_date = month_rosters.month_end
            and per_member.member_id = month_rosters.member_id
    left join churn_scores
        on
            per_member.cutoff_date = churn_scores.cutoff_date
            and per_member.member_id = churn_scores.member_id

),

ranked as (

    select
        cutoff_date,
        member_id,
        row_number() over (
            partition by cutoff_date, mentor_id
            order by {{ task_order(entity_type="'member'", entity_id='member_id') }}
        ) as task_rank,
        row_number() over (
            partition by cutoff_date, mentor_id
            order by priority_score desc, {{ task_order(entity_type="'member'", entity_id='member_id') }}
        ) as value_rank,
        priority_score

    from tasks
    where open_alerts > 0

),

final as (

    select
        tasks.cutoff_date,
        tasks.member_id,
        tasks.mentor_id,
        cast(tasks.new_alerts as integer) as new_alerts,
        ranked.task_rank is not null as is_task,
        cast(ranked.task_rank as integer) as task_rank,
        coalesce(ranked.task_rank <= {{ var('mentor_daily_capacity') }}, false) as within_capacity,
        cast(ranked.value_rank as integer) as value_rank,
        coalesce(ranked.value_rank <= {{ var('mentor_daily_capacity') }}, false) as within_capacity_by_value,
        cast(ranked.priority_score as {{ type_double() }}) as priority_score

    from tasks
    left join ranked
        on
            tasks.cutoff_date = ranked.cutoff_date
            and tasks.member_id = ranked.member_id

)

select * from final
