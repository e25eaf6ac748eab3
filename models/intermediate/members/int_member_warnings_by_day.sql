{#- One row per member alert open on an evaluation day (evaluation_date,
    alert_code, entity_id) for the two evaluation days as_of_date and the day
    before, from int_member_snapshots of that day (macro member_warnings, the
    one definition of the member alerts; the backtest evaluates it on other
    days). p1 … p5 are the figures the alert_catalog message template shows (codes of
    segments are named in int_warnings_by_day). -#}
-- Lint the macro's SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
{{ member_warnings(ref('int_member_snapshots'), 'is_as_of or is_day_before') }}
