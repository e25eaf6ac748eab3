{#- One row per mentor, month and member on the mentor's month-end roster:
    the union of her groups' month-end rosters (a member counts once even if
    she were on two of the mentor's groups), with the member's month figures. -#}
{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

with

group_month_rosters as (

    select * from {{ ref('int_group_month_rosters') }}
    where {{ rebuilt_months('month') }}

),

mentor_rosters as (

    select
        mentor_id,
        month,
        month_end,
        is_complete_month,
        member_id,
        tier,
        tenure_bucket,
        expected_active_rate,
        purchases,
        sales,
        is_active,
        count(*) as member_groups

    from group_month_rosters
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

)

select * from mentor_rosters
