{#- The member alerts of SPEC §5.5 (segment_downgrade, spend_drop,
    recall_due, entered_churn, new_member_inactive) open on each snapshot day
    of `snapshots` (an int_member_snapshots-shaped relation) that meets
    `where`: the one definition behind the daily warnings
    (int_member_warnings_by_day: as_of_date and the day before) and the
    backtest (int_backtest_member_warnings: every day of each cut-off's
    window).

    One row per evaluation_date, alert_code and entity_id (the member).
    The snapshots carry the member's mentor_id (null in the backtest's).
    p1 … p5 are the figures the alert_catalog message template shows. -#}
{% macro member_warnings(snapshots, where='1 = 1') %}
{%- set alert_steps = (var('activation_alert_max_days') // var('activation_alert_days')) | int %}
with

snapshots as (

    select * from {{ snapshots }}

),

recall_cadence as (

    select * from {{ ref('recall_cadence') }}

),

numbers as (

    {{ dbt.generate_series(alert_steps) }}

),

-- Days since joining on which an inactive new member is flagged:
-- 7, 14, 21, 28 (multiples of activation_alert_days up to the maximum).
activation_days as (

    select generated_number * {{ var('activation_alert_days') }} as days_since_join

    from numbers

),

evaluated as (

    select
        snapshot_date as evaluation_date,
        member_id,
        mentor_id,
        segment,
        segment_rank,
        is_rfm_segment,
        previous_segment,
        previous_segment_rank,
        is_previous_rfm_segment,
        has_purchase,
        days_since_join,
        recency_days,
        monetary_30d,
        monetary_prev_30d,
        lifecycle_rule

    from snapshots
    where {{ where }}

),

segment_downgrades as (

    select
        evaluation_date,
        'segment_downgrade' as alert_code,
        member_id as entity_id,
        mentor_id,
        segment,
        cast(segment_rank as {{ type_double() }}) as metric_value,
        cast(previous_segment_rank as {{ type_double() }}) as threshold_value,
        previous_segment as p1,
        segment as p2,
        cast(null as {{ dbt.type_string() }}) as p3,
        cast(null as {{ dbt.type_string() }}) as p4

    from evaluated
    where
        is_rfm_segment
        and is_previous_rfm_segment
        and segment_rank > previous_segment_rank

),

spend_drops as (

    select
        evaluation_date,
        'spend_drop' as alert_code,
        member_id as entity_id,
        mentor_id,
        segment,
        cast(monetary_prev_30d - monetary_30d as {{ type_double() }}) / monetary_prev_30d
            as metric_value,
        cast({{ var('spend_drop_threshold') }} as {{ type_double() }}) as threshold_value,
        {{ format_number('monetary_30d', 2) }} as p1,
        {{ format_number('monetary_prev_30d', 2) }} as p2,
        cast({{ var('rfm_window_days') }} as {{ dbt.type_string() }}) as p3,
        {{ format_number(
            'cast(monetary_prev_30d - monetary_30d as ' ~ type_double() ~ ') / monetary_prev_30d * 100', 1
        ) }} as p4

    from evaluated
    -- rule 4 is the rule that classifies the member: she still buys (recency
    -- within decline_after_days) but spends less; members who stopped buying
    -- are covered by recall_due and entered_churn. Rule 4 implies
    -- monetary_prev_30d > 0 (monetary_30d >= 0 is below a share of it), so
    -- the division above is safe.
    where lifecycle_rule = 4

),

recalls as (

    select
        evaluated.evaluation_date,
        'recall_due' as alert_code,
        evaluated.member_id as entity_id,
        evaluated.mentor_id,
        -- the playbook of the segment she had at the last month end, before
        -- she stopped buying: today's segment of a member 31+ days without a
        -- purchase is always a win-back one (no purchase in 30 days), which
        -- would make every recall contradict its own action (SPEC §5.7 reading,
        -- documented in _members__models.yml)
        coalesce(evaluated.previous_segment, evaluated.segment) as segment,
        cast(recall_cadence.recall_step as {{ type_double() }}) as metric_value,
        cast(recall_cadence.days_after_decline as {{ type_double() }}) as threshold_value,
        cast(evaluated.recency_days as {{ dbt.type_string() }}) as p1,
        cast(recall_cadence.recall_step as {{ dbt.type_string() }}) as p2,
        cast(recall_cadence.days_after_decline as {{ dbt.type_string() }}) as p3,
        cast(null as {{ dbt.type_string() }}) as p4

    from evaluated
    inner join recall_cadence
        on
            evaluated.recency_days - {{ var('decline_after_days') }}
            = recall_cadence.days_after_decline

),

churn_entries as (

    select
        evaluation_date,
        'entered_churn' as alert_code,
        member_id as entity_id,
        mentor_id,
        coalesce(previous_segment, segment) as segment,  -- as for recalls
        cast(coalesce(recency_days, days_since_join) as {{ type_double() }}) as metric_value,
        cast({{ var('churn_after_days') }} as {{ type_double() }}) as threshold_value,
        cast(coalesce(recency_days, days_since_join) as {{ dbt.type_string() }}) as p1,
        cast({{ var('churn_after_days') }} as {{ dbt.type_string() }}) as p2,
        cast(null as {{ dbt.type_string() }}) as p3,
        cast(null as {{ dbt.type_string() }}) as p4

    from evaluated
    where
        (has_purchase and recency_days = {{ var('churn_after_days') }} + 1)
        or (not has_purchase and days_since_join = {{ var('churn_after_days') }} + 1)

),

inactive_new_members as (

    select
        evaluated.evaluation_date,
        'new_member_inactive' as alert_code,
        evaluated.member_id as entity_id,
        evaluated.mentor_id,
        evaluated.segment,
        cast(evaluated.days_since_join as {{ type_double() }}) as metric_value,
        cast({{ var('activation_alert_days') }} as {{ type_double() }}) as threshold_value,
        cast(evaluated.days_since_join as {{ dbt.type_string() }}) as p1,
        cast(null as {{ dbt.type_string() }}) as p2,
        cast(null as {{ dbt.type_string() }}) as p3,
        cast(null as {{ dbt.type_string() }}) as p4

    from evaluated
    inner join activation_days
        on evaluated.days_since_join = activation_days.days_since_join
    where not evaluated.has_purchase

),

unioned as (

    select * from segment_downgrades
    union all
    select * from spend_drops
    union all
    select * from recalls
    union all
    select * from churn_entries
    union all
    select * from inactive_new_members

),

final as (

    select
        evaluation_date,
        alert_code,
        entity_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        cast(null as date) as period_month,
        mentor_id,
        segment,
        metric_value,
        threshold_value,
        p1,
        p2,
        p3,
        p4,
        cast(null as {{ dbt.type_string() }}) as p5

    from unioned

)

select * from final
{% endmacro %}

{#- The member alerts above whose condition is an equality on a day count
    (recall_due, entered_churn, new_member_inactive): open on such a day and
    closed the day after, unless that day is one too. The backtest's is_new
    relies on it (int_backtest_member_new_alerts): keep it next to the
    conditions. -#}
{% macro single_day_member_alerts() %}
    {{ return(['recall_due', 'entered_churn', 'new_member_inactive']) }}
{% endmacro %}
