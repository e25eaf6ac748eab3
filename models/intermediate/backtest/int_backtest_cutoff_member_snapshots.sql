{#- One row per member and cut-off (member_id, snapshot_date): the lifecycle
    stage (and the rest of member_snapshots) with the cut-off as the
    cut-off, and the roster on it, for int_backtest_member_tasks.
    previous_segment is null here (its month end is not among these dates)
    and not read. -#}
{{ member_snapshots(
    ref('int_backtest_cutoff_member_facts'),
    ref('int_backtest_cutoff_dates'),
    with_rosters=true,
) }}
