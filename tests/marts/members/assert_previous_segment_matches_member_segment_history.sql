{#- member_segments computes each member's segment on the previous month end
    itself (int_member_snapshots, so it need not wait for the whole history);
    member_segment_history computes the same month end with the same macros.
    Fails with every member whose two answers differ: a segment on one side
    only, or another segment or rank. -#}
with

current_segments as (

    select
        member_id,
        previous_segment,
        previous_segment_rank,
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('month', 'as_of_date')) }} as date) as previous_month_end

    from {{ ref('member_segments') }}

),

history as (

    select
        member_id,
        month_end,
        segment,
        segment_rank

    from {{ ref('member_segment_history') }}

)

select
    current_segments.member_id,
    current_segments.previous_segment,
    history.segment as history_segment

from current_segments
left join history
    on
        current_segments.member_id = history.member_id
        and current_segments.previous_month_end = history.month_end
where
    not (
        current_segments.previous_segment = history.segment
        and current_segments.previous_segment_rank = history.segment_rank
        or current_segments.previous_segment is null and history.segment is null
    )
