{{ config(materialized='table') }}

{#- One row per member and evaluation day (member_id, snapshot_date):
    as_of_date and the day before, of int_member_snapshot_dates, each step
    with the snapshot date as the cut-off: RFM flags and segment and the
    lifecycle stage (macro member_snapshots), the RFM scores (macro
    rfm_scores), the segment at the previous month end (macro
    previous_segment, over the rows of the previous month ends computed here
    with the same macros as member_segment_history, so member_segments never
    waits for the whole history) and the group and mentor of her roster that
    day. Feeds member_segments and the member early warnings. -#}
-- Lint the macro's SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
with

snapshots as (

    {{ member_snapshots(ref('int_member_snapshot_facts'), ref('int_member_snapshot_dates')) | indent(4) }}

),

scored as (

    {{ rfm_scores('snapshots') | indent(4) }}

),

-- The rows of the previous month ends, shaped as member_segment_history's.
month_end_segments as (

    select
        member_id,
        snapshot_date as month_end,
        segment,
        segment_rank,
        segment_name_zh

    from scored
    where is_month_end

),

evaluation_days as (

    select * from scored
    where is_as_of or is_day_before

),

with_previous as (

    {{ previous_segment('evaluation_days', 'month_end_segments') | indent(4) }}

),

roster_intervals as (

    select * from {{ ref('int_roster_intervals') }}

),

-- Roster on day s: start_date <= s and (end_date is null or end_date > s).
-- Memberships never overlap (the loader quarantines overlaps); should two
-- intervals cover the same day anyway, the latest-started one wins.
rosters as (

    select
        with_previous.member_id,
        with_previous.snapshot_date,
        roster_intervals.group_id,
        roster_intervals.mentor_id,
        row_number() over (
            partition by with_previous.member_id, with_previous.snapshot_date
            order by roster_intervals.joined_at_utc desc, roster_intervals.group_id asc
        ) as interval_order

    from with_previous
    inner join roster_intervals
        on
            with_previous.member_id = roster_intervals.member_id
            and with_previous.snapshot_date >= roster_intervals.start_date
            and (
                roster_intervals.end_date is null
                or with_previous.snapshot_date < roster_intervals.end_date
            )

),

current_rosters as (

    select
        member_id,
        snapshot_date,
        group_id,
        mentor_id

    from rosters
    where interval_order = 1

),

final as (

    select
        with_previous.*,
        current_rosters.group_id,
        current_rosters.mentor_id

    from with_previous
    left join current_rosters
        on
            with_previous.member_id = current_rosters.member_id
            and with_previous.snapshot_date = current_rosters.snapshot_date

)

select * from final
