{#- One row per member and snapshot date (member_id, snapshot_date) for the
    members joined by that date, on the dates of int_backtest_snapshot_dates:
    the member_snapshot_facts of int_member_snapshot_facts (each date its own
    cut-off), without the roster (the backtest needs no group). A view, read
    once by int_backtest_member_snapshots. -#}
{{ member_snapshot_facts(ref('int_backtest_snapshot_dates'), with_rosters=false) }}
