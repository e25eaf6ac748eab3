{#- One row per member and evaluation day (member_id, snapshot_date) of
    int_backtest_member_days, each date its own cut-off: segment and
    lifecycle (macro member_snapshots, the definition behind
    member_segments) and the previous month end's segment (macro
    previous_segment, from member_segment_history), with the columns the
    member alerts read. No RFM scores (macro rfm_scores): they rank a member
    among all members of a day, and only some members are evaluated on most
    days. A view, read by int_backtest_member_warnings. -#}
with

snapshots as (

    {{ member_snapshots(ref('int_backtest_member_snapshot_facts'), ref('int_backtest_snapshot_dates')) | indent(4) }}

),

with_previous as (

    {{ previous_segment('snapshots', ref('member_segment_history')) | indent(4) }}

),

final as (

    select
        member_id,
        snapshot_date,
        -- the backtest ranks tasks by the cut-off's roster (int_backtest_member_tasks)
        cast(null as {{ dbt.type_string() }}) as mentor_id,
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

    from with_previous

)

select * from final
