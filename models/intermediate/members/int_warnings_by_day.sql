{#- One row per warning open on an evaluation day (evaluation_date,
    alert_code, entity_id, category_code, period_month) for as_of_date and the
    day before: member, group and mentor alerts with severity, Chinese message
    and recommended action from the alert_catalog and segment_playbook seeds. -#}
{#- A table, not a view: read by a model and its tests, computed once per build. -#}
{{ config(materialized='table') }}

with

member_warnings as (

    select * from {{ ref('int_member_warnings_by_day') }}

),

group_warnings as (

    select * from {{ ref('int_group_warnings_by_day') }}

),

alert_catalog as (

    select * from {{ ref('alert_catalog') }}

),

segment_playbook as (

    select * from {{ ref('segment_playbook') }}

),

warnings as (

    select * from member_warnings
    union all
    select * from group_warnings

),

described as (

    select
        warnings.evaluation_date,
        warnings.alert_code,
        warnings.entity_id,
        warnings.category_code,
        warnings.period_month,
        alert_catalog.entity_type,
        warnings.mentor_id,
        alert_catalog.severity,
        alert_catalog.severity_rank,
        alert_catalog.name_zh as alert_name_zh,
        warnings.metric_value,
        warnings.threshold_value,
        replace(
            replace(
                replace(
                    replace(
                        replace(alert_catalog.message_template_zh, '{1}', coalesce(warnings.p1, '')),
                        '{2}', coalesce(warnings.p2, '')
                    ),
                    '{3}', coalesce(warnings.p3, '')
                ),
                '{4}', coalesce(warnings.p4, '')
            ),
            '{5}', coalesce(warnings.p5, '')
        ) as message_zh,
        case
            when alert_catalog.entity_type = 'member' then segment_playbook.action_code
            else alert_catalog.action_code
        end as action_code,
        case
            when alert_catalog.entity_type = 'member' then segment_playbook.action_zh
            else alert_catalog.action_zh
        end as action_zh

    from warnings
    inner join alert_catalog
        on warnings.alert_code = alert_catalog.alert_code
    left join segment_playbook
        on warnings.segment = segment_playbook.segment

)

select * from described
