{#- One row per member and snapshot date (member_id, snapshot_date) on the
    dates of int_backtest_snapshot_dates: RFM, segment, lifecycle and the
    previous month end's segment, each date its own cut-off (macro
    member_snapshots, the definition behind member_segments). A view: the
    backtest reads the alerts of every day and the lifecycle of the cut-off
    days from it. -#}
{{ member_snapshots(
    ref('int_backtest_member_snapshot_facts'),
    ref('int_backtest_snapshot_dates'),
    with_rosters=false,
) }}
