{#- One row per member and month end (member_id, snapshot_date) on the month
    ends of int_member_month_end_dates: the member_snapshots computation
    (RFM, segment, lifecycle) and the RFM scores (macro rfm_scores) behind
    member_segment_history, which joins each month end's row to the month
    end before it. Ephemeral: compiled into member_segment_history, on the
    month ends this run rebuilds (macro month_end_dates). -#}
{{ config(materialized='ephemeral') }}
-- depends_on: {{ ref('int_member_month_end_dates') }}

with

snapshots as (

    {{ member_snapshots(ref('int_member_month_end_facts'), month_end_dates()) | indent(4) }}

),

scored as (

    {{ rfm_scores('snapshots') | indent(4) }}

)

select * from scored
