{#- The priority of a task within its severity (higher first), in one place
    for mentor_tasks and the backtest of the task list
    (int_backtest_member_tasks); documented in _tasks__docs.md (mentor_tasks):
    the value at risk churn_risk × expected_value_90d (yuan) when the churn
    scores exist, else the interim value: segment value first
    (10 − segment_rank; a group passes segment_rank 0 and counts as 10,
    above every segment), then the last 30 days' spend capped at 999.99 so
    it never outweighs a segment step. -#}
{% macro task_priority(churn_risk, expected_value_90d, segment_rank, monetary_30d) -%}
    coalesce(
        {{ churn_risk }} * {{ expected_value_90d }},
        (10 - coalesce({{ segment_rank }}, 0)) * 1000
        + least(coalesce({{ monetary_30d }}, 0), 999.99)
    )
{%- endmacro %}

{#- The order of tasks on one list: severity, then priority_score (higher
    first), then the more recent buyer (never-bought last), then entity type
    and id, so equal tasks always get the same order. -#}
{% macro task_order(severity_rank='severity_rank', priority_score='priority_score',
                    recency_days='recency_days', entity_type='entity_type', entity_id='entity_id') -%}
    {{ severity_rank }} asc,
    {{ priority_score }} desc,
    case when {{ recency_days }} is null then 1 else 0 end asc,
    {{ recency_days }} asc,
    {{ entity_type }} asc,
    {{ entity_id }} asc
{%- endmacro %}
