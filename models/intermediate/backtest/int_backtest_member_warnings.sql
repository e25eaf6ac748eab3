{#- One row per member alert open on a backtest snapshot day
    (evaluation_date, alert_code, entity_id): the member alerts of SPEC §5.5
    evaluated on every day of int_backtest_snapshot_dates by the same macro
    as the daily warnings (member_warnings), each day its own cut-off. -#}
{{ member_warnings(ref('int_backtest_member_snapshots')) }}
