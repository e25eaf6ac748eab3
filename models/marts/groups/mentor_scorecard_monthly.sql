{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

with

-- A member is on at most one group's roster at a month end (memberships never
-- overlap: the loader quarantines overlaps, int_group_month_rosters tests
-- month × member unique), so a mentor's roster, the union of her groups'
-- rosters, is their rows: each member once.
group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

mentor_months as (

    select
        mentor_id,
        month,
        is_complete_month,
        count(distinct group_id) as active_groups,
        count(*) as roster_size,
        count(case when is_active then 1 end) as active_members,
        sum(sales) as sales,
        -- exact decimal sum, then one division: the same value whatever the row order
        cast(sum(expected_active_rate) as {{ type_double() }}) / count(expected_active_rate) as expected_activity_rate

    from group_month_rosters
    group by 1, 2, 3

),

final as (

    select
        mentor_id,
        month,
        is_complete_month,
        cast(active_groups as integer) as groups,
        cast(roster_size as integer) as roster_size,
        cast(active_members as integer) as active_members,
        cast(active_members as {{ type_double() }})
        / roster_size as activity_rate,
        cast(sales as decimal(18, 4)) as sales,
        case
            when active_members > 0
                then cast(sales as {{ type_double() }}) / active_members
        end as unit_output,
        expected_activity_rate,
        (
            cast(active_members as {{ type_double() }}) / roster_size
            - expected_activity_rate
        ) * 100 as activity_uplift_pp

    from mentor_months

)

select * from final
