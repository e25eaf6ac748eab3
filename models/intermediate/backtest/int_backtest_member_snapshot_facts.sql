{#- One row per member and evaluation day (member_id, snapshot_date) of
    int_backtest_member_days: the member_snapshot_facts of
    int_member_snapshot_facts (each date its own cut-off). A view, read
    once by int_backtest_member_snapshots. -#}
{{ member_snapshot_facts(
    ref('int_backtest_snapshot_dates'),
    member_dates=ref('int_backtest_member_days'),
) }}
