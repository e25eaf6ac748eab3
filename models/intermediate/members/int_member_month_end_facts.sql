{#- One row per member and month end (member_id, snapshot_date) for the
    members joined by that day, on the month ends of
    int_member_month_end_dates: the member_snapshot_facts of
    int_member_snapshot_facts. Ephemeral: compiled into
    member_segment_history, on the month ends this run rebuilds (macro
    month_end_dates). -#}
{{ config(materialized='ephemeral') }}
-- depends_on: {{ ref('int_member_month_end_dates') }}

{{ member_snapshot_facts(month_end_dates()) }}
