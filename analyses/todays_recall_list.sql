{#- Today's recall list per mentor: one row per member whose recall_due
    warning is open on as_of_date (a one-day alert: the cadence day is today),
    with what the mentor needs on the phone — segment, last purchase, spend and
    the playbook action. Members in no group are listed with a null mentor.
    Compile: dbt compile --select todays_recall_list -#}
with

warnings as (

    select * from {{ ref('early_warnings') }}

),

segments as (

    select * from {{ ref('member_segments') }}

),

recalls as (

    select
        warnings.as_of_date,
        warnings.mentor_id,
        segments.group_id,
        warnings.entity_id as member_id,
        cast(warnings.metric_value as integer) as recall_step,
        segments.recency_days,
        segments.last_purchase_date,
        segments.monetary_prev_30d,
        segments.sales_total,
        segments.segment,
        segments.segment_name_zh,
        segments.lifecycle_stage,
        warnings.message_zh,
        warnings.action_code,
        warnings.action_zh

    from warnings
    inner join segments
        on warnings.entity_id = segments.member_id
    where warnings.alert_code = 'recall_due'

)

select * from recalls
order by mentor_id, recall_step, segment, member_id
