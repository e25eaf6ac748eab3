{#- One row per member and evaluation day (member_id, snapshot_date) of
    int_backtest_member_days: segment and lifecycle, each date its own
    cut-off (macro member_snapshots, the definition behind member_segments),
    and the previous month end's segment (member_segment_history), with the
    columns the member alerts read. The RFM scores (r/f/m_score) are not computed: they rank a member
    among all members of a day, and only some members are evaluated on most
    days. A view, read by int_backtest_member_warnings. -#}
with

snapshots as (

    {{ member_snapshots(
        ref('int_backtest_member_snapshot_facts'),
        ref('int_backtest_snapshot_dates'),
        previous_segments=ref('member_segment_history'),
        with_rfm_scores=false,
    ) | indent(4) }}

),

final as (

    select
        member_id,
        snapshot_date,
        is_month_end,
        has_purchase,
        days_since_join,
        recency_days,
        monetary_30d,
        monetary_prev_30d,
        segment,
        segment_rank,
        is_rfm_segment,
        lifecycle_rule,
        lifecycle_stage,
        previous_month_end,
        previous_segment,
        previous_segment_rank,
        is_previous_rfm_segment

    from snapshots

)

select * from final
