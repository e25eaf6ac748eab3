{#- One row per warning open on an evaluation day (evaluation_date,
    alert_code, entity_id, category_code, period_month) for as_of_date and the
    day before: member, group and mentor alerts with severity, the message in
    Chinese and English (alert_catalog templates; segment, grade and category
    codes shown by name) and the one action of the alert (alert_actions: by
    alert and the member's segment; by alert alone for group and mentor
    alerts). -#}
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

alert_actions as (

    select * from {{ ref('alert_actions') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

categories as (

    select * from {{ ref('categories') }}

),

labels as (

    select * from {{ ref('labels') }}

),

warnings as (

    select * from member_warnings
    union all
    select * from group_warnings

),

-- Codes a message placeholder may hold, with their names: segments
-- (segment_downgrade), grades (group_grade_drop), categories (category_gap).
display_names as (

    select
        segment as code,
        name_zh,
        name_en
    from rfm_segments
    union all
    select
        code,
        name_zh,
        name_en
    from labels
    where kind = 'grade'
    union all
    select
        category_code as code,
        name_zh,
        name_en
    from categories

),

named as (

    select
        warnings.*,
        coalesce(names_1.name_zh, warnings.p1, '') as p1_zh,
        coalesce(names_1.name_en, warnings.p1, '') as p1_en,
        coalesce(names_2.name_zh, warnings.p2, '') as p2_zh,
        coalesce(names_2.name_en, warnings.p2, '') as p2_en,
        coalesce(names_3.name_zh, warnings.p3, '') as p3_zh,
        coalesce(names_3.name_en, warnings.p3, '') as p3_en

    from warnings
    left join display_names as names_1
        on warnings.p1 = names_1.code
    left join display_names as names_2
        on warnings.p2 = names_2.code
    left join display_names as names_3
        on warnings.p3 = names_3.code

),

described as (

    select
        named.evaluation_date,
        named.alert_code,
        named.entity_id,
        named.category_code,
        named.period_month,
        alert_catalog.entity_type,
        named.mentor_id,
        named.segment,
        alert_catalog.severity,
        alert_catalog.severity_rank,
        alert_catalog.name_zh as alert_name_zh,
        alert_catalog.name_en as alert_name_en,
        named.metric_value,
        named.threshold_value,
        replace(
            replace(
                replace(
                    replace(
                        replace(alert_catalog.message_template_zh, '{1}', named.p1_zh),
                        '{2}', named.p2_zh
                    ),
                    '{3}', named.p3_zh
                ),
                '{4}', coalesce(named.p4, '')
            ),
            '{5}', coalesce(named.p5, '')
        ) as message_zh,
        replace(
            replace(
                replace(
                    replace(
                        replace(alert_catalog.message_template_en, '{1}', named.p1_en),
                        '{2}', named.p2_en
                    ),
                    '{3}', named.p3_en
                ),
                '{4}', coalesce(named.p4, '')
            ),
            '{5}', coalesce(named.p5, '')
        ) as message_en,
        alert_actions.action_code,
        alert_actions.action_zh,
        alert_actions.action_en,
        alert_actions.is_suppressed as is_playbook_suppressed

    from named
    inner join alert_catalog
        on named.alert_code = alert_catalog.alert_code
    left join alert_actions
        on
            named.alert_code = alert_actions.alert_code
            and (
                named.segment = alert_actions.segment
                or (named.segment is null and alert_actions.segment is null)
            )

)

select * from described
