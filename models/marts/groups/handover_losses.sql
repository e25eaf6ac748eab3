with

closed_groups as (

    select * from {{ ref('int_closed_groups') }}

),

handover_members as (

    select * from {{ ref('int_handover_members') }}

),

member_counts as (

    select
        group_id,
        count(distinct member_id) as roster_at_close,
        count(distinct case when is_rehomed then member_id end) as rehomed_within_30d

    from handover_members
    group by 1

),

counted as (

    select
        closed_groups.group_id,
        closed_groups.closed_date,
        closed_groups.mentor_id,
        closed_groups.window_end_date,
        closed_groups.is_window_complete,
        coalesce(member_counts.roster_at_close, 0) as roster_at_close,
        coalesce(member_counts.rehomed_within_30d, 0) as rehomed_within_30d

    from closed_groups
    left join member_counts
        on closed_groups.group_id = member_counts.group_id

),

final as (

    select
        group_id,
        closed_date,
        mentor_id,
        cast(roster_at_close as integer) as roster_at_close,
        cast(rehomed_within_30d as integer) as rehomed_within_30d,
        cast(roster_at_close - rehomed_within_30d as integer) as lost,
        case
            when roster_at_close > 0
                then
                    cast(roster_at_close - rehomed_within_30d as {{ type_double() }})
                    / roster_at_close
        end as loss_rate,
        window_end_date,
        is_window_complete

    from counted

)

select * from final
