{#- The segment on the previous month end (SPEC §5.4, segment_downgrade)
    of each row of `snapshots` (a member_snapshots relation), added to its
    columns: her row of `history` (one row per member and month end:
    member_id, month_end, segment, segment_rank, segment_name_zh) on the
    row's previous_month_end, its rank and Chinese name, and whether it is
    one of the 8 RFM segments (rfm_segments); all null when she has no row
    then (not joined yet). int_member_snapshots passes its own previous
    month ends, the backtest's member-days member_segment_history;
    member_segment_history joins its own month ends. -#}
{% macro previous_segment(snapshots, history) %}
with

previous_input as (

    select * from {{ snapshots }}

),

segment_history as (

    select * from {{ history }}

),

segment_seed as (

    select * from {{ ref('rfm_segments') }}

),

with_previous_segment as (

    select
        previous_input.*,
        segment_history.segment as previous_segment,
        cast(segment_history.segment_rank as integer) as previous_segment_rank,
        segment_history.segment_name_zh as previous_segment_name_zh,
        case
            when segment_history.segment is not null then segment_seed.r_high is not null
        end as is_previous_rfm_segment

    from previous_input
    left join segment_history
        on
            previous_input.member_id = segment_history.member_id
            and previous_input.previous_month_end = segment_history.month_end
    left join segment_seed
        on segment_history.segment = segment_seed.segment

)

select * from with_previous_segment
{% endmacro %}
