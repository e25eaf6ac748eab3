{#- One row per member alert open on an evaluation day (evaluation_date,
    alert_code, entity_id) for the two evaluation days as_of_date and the day
    before, from int_member_snapshots of that day (macro member_warnings, the
    one definition of the member alerts; the backtest evaluates it on other
    days). p1 … p5 are the figures the alert_catalog message template shows (codes of
    segments are named in int_warnings_by_day). -#}
{{ member_warnings(ref('int_member_snapshots'), 'is_as_of or is_day_before') }}
