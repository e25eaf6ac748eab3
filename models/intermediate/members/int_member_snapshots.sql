{{ config(materialized='table') }}

{#- One row per member and snapshot date (member_id, snapshot_date) on the
    dates of int_member_snapshot_dates: the RFM flags, scores and segment, the
    lifecycle stage, all with the snapshot date as the cut-off (macro
    member_snapshots), and the segment at the previous month end (from
    member_segment_history). Feeds member_segments and the member early
    warnings. -#}
-- Lint the macro's SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
{{ member_snapshots(
    ref('int_member_snapshot_facts'),
    ref('int_member_snapshot_dates'),
    previous_segments=ref('member_segment_history'),
) }}
