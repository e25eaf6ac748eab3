{#- One row per member and month end (member_id, snapshot_date) on the month
    ends of int_member_month_end_dates: the member_snapshots computation
    (RFM, segment, lifecycle, previous segment) behind
    member_segment_history. A view: member_segment_history materializes it
    once, for the months it rebuilds. -#}
{{ config(materialized='view') }}

{{ member_snapshots(ref('int_member_month_end_facts'), ref('int_member_month_end_dates'), with_rosters=false) }}
