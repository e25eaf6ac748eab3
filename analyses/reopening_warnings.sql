{#- Members whose warnings keep reopening: one row per member who entered a
    warning state at var('reopening_min_episodes', 2) or more month ends.
    A member is "in warning" at a month end when her lifecycle stage is
    declining or churned, or her segment rank is worse than at the previous
    month end (both among the 8 RFM segments); an episode starts at a month end
    in warning after one that was not (or after joining). Read from
    member_segment_history, so every month end uses its own cut-off.
    Compile: dbt compile --select reopening_warnings -#}
with

history as (

    select * from {{ ref('member_segment_history') }}

),

segments as (

    select * from {{ ref('member_segments') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

states as (

    select
        history.member_id,
        history.month_end,
        history.lifecycle_stage,
        history.segment,
        history.lifecycle_stage in ('declining', 'churned') as is_declining,
        coalesce(
            current_segment.r_high is not null
            and previous_segment.r_high is not null
            and history.segment_rank > history.previous_segment_rank,
            false
        ) as is_downgraded

    from history
    left join rfm_segments as current_segment
        on history.segment = current_segment.segment
    left join rfm_segments as previous_segment
        on history.previous_segment = previous_segment.segment

),

flagged as (

    select
        states.*,
        states.is_declining or states.is_downgraded as is_in_warning,
        lag(states.is_declining or states.is_downgraded) over (
            partition by states.member_id order by states.month_end
        ) as was_in_warning

    from states

),

episodes as (

    select
        member_id,
        count(
            case when is_in_warning and not coalesce(was_in_warning, false) then 1 end
        ) as warning_episodes,
        count(case when is_downgraded then 1 end) as downgraded_month_ends,
        count(case when is_declining then 1 end) as declining_month_ends,
        count(*) as month_ends,
        max(case when is_in_warning then month_end end) as last_month_end_in_warning

    from flagged
    group by 1

),

final as (

    select
        episodes.member_id,
        episodes.warning_episodes,
        episodes.downgraded_month_ends,
        episodes.declining_month_ends,
        episodes.month_ends,
        episodes.last_month_end_in_warning,
        segments.mentor_id,
        segments.group_id,
        segments.segment as current_segment,
        segments.lifecycle_stage as current_lifecycle_stage

    from episodes
    left join segments
        on episodes.member_id = segments.member_id
    where episodes.warning_episodes >= {{ var('reopening_min_episodes', 2) }}

)

select * from final
order by warning_episodes desc, member_id asc
