{#- One row per member and snapshot date (member_id, snapshot_date) for the
    members joined by that date, on the dates of int_member_snapshot_dates
    (as_of_date and the day before): purchase facts with the snapshot date
    as the cut-off and tenure (macro member_snapshot_facts). -#}
{#- A table, not a view: read by a model and its tests, computed once per build. -#}
{{ config(materialized='table') }}

-- Lint the macro's SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
{{ member_snapshot_facts(ref('int_member_snapshot_dates')) }}
