{#- One row per closed group (local closed_date <= as_of_date) and member on
    its roster at close: a membership of the group with local join date <=
    closed_date and left date null or >= closed_date. Carries the member's
    first membership of another group that started in [closed_date,
    closed_date + handover_window_days] (on or before as_of_date). -#}
{#- A table, not a view: read by a model and its tests, computed once per build. -#}
{{ config(materialized='table') }}

with

closed_groups as (

    select * from {{ ref('int_closed_groups') }}

),

roster_intervals as (

    select * from {{ ref('int_roster_intervals') }}

),

roster_at_close as (

    select distinct
        closed_groups.group_id,
        closed_groups.mentor_id,
        closed_groups.closed_date,
        closed_groups.window_end_date,
        closed_groups.is_window_complete,
        roster_intervals.member_id

    from closed_groups
    inner join roster_intervals
        on
            closed_groups.group_id = roster_intervals.group_id
            and closed_groups.closed_date >= roster_intervals.start_date
            and (
                roster_intervals.end_date is null
                or closed_groups.closed_date <= roster_intervals.end_date
            )

),

rehomings as (

    select
        roster_at_close.group_id,
        roster_at_close.member_id,
        min(roster_intervals.start_date) as rehomed_date

    from roster_at_close
    inner join roster_intervals
        on
            roster_at_close.member_id = roster_intervals.member_id
            and roster_at_close.group_id <> roster_intervals.group_id
            and roster_at_close.closed_date <= roster_intervals.start_date
            and roster_at_close.window_end_date >= roster_intervals.start_date
    group by 1, 2

),

first_rehoming_group as (

    select
        rehomings.group_id,
        rehomings.member_id,
        rehomings.rehomed_date,
        min(roster_intervals.group_id) as rehomed_group_id

    from rehomings
    inner join roster_intervals
        on
            rehomings.member_id = roster_intervals.member_id
            and rehomings.rehomed_date = roster_intervals.start_date
            and rehomings.group_id <> roster_intervals.group_id
    group by 1, 2, 3

),

final as (

    select
        roster_at_close.group_id,
        roster_at_close.member_id,
        roster_at_close.mentor_id,
        roster_at_close.closed_date,
        roster_at_close.window_end_date,
        roster_at_close.is_window_complete,
        first_rehoming_group.rehomed_group_id,
        first_rehoming_group.rehomed_date,
        first_rehoming_group.member_id is not null as is_rehomed

    from roster_at_close
    left join first_rehoming_group
        on
            roster_at_close.group_id = first_rehoming_group.group_id
            and roster_at_close.member_id = first_rehoming_group.member_id

)

select * from final
