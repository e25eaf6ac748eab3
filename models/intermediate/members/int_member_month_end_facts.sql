{#- One row per member and month end (member_id, snapshot_date) for the
    members joined by that day, on the month ends of
    int_member_month_end_dates: the member_snapshot_facts of
    int_member_snapshot_facts without the roster (member_segment_history has
    no group). A view: read once, by int_member_month_end_snapshots. -#}
{{ config(materialized='view') }}

{{ member_snapshot_facts(ref('int_member_month_end_dates'), with_rosters=false) }}
