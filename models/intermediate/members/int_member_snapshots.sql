{{ config(materialized='table') }}

{#- One row per member and snapshot date (member_id, snapshot_date) on the
    dates of int_member_snapshot_dates: the RFM flags, scores and segment, the
    lifecycle stage and the segment at the previous month end, all with the
    snapshot date as the cut-off (macro member_snapshots). Feeds
    member_segments and the member early warnings. -#}
{{ member_snapshots(ref('int_member_snapshot_facts'), ref('int_member_snapshot_dates')) }}
