{#- One row per member and cut-off (member_id, snapshot_date) for the members
    joined by the cut-off: member_snapshot_facts on the dates of
    int_backtest_cutoff_dates, with the roster (group and mentor on c, for
    the task list of int_backtest_member_tasks). A view, read by
    int_backtest_cutoff_member_snapshots. -#}
{{ member_snapshot_facts(ref('int_backtest_cutoff_dates'), with_rosters=true) }}
