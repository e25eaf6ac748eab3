{#- One row per group, month and member on the group's month-end roster
    (start_date <= month_end and (end_date is null or end_date > month_end)),
    with the group's mentor, the member's tier, tenure bucket and baseline
    active rate at month end, and the member's purchases and sales in the
    calendar month (wherever bought). -#}
{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}

-- Lint the macros' SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
with

roster_intervals as (

    select * from {{ ref('int_roster_intervals') }}

),

months as (

    select * from {{ ref('int_months') }}

),

monthly_purchases as (

    select * from {{ ref('int_member_monthly_purchases') }}

),

baselines as (

    select * from {{ ref('tenure_activity_baselines') }}

),

month_end_rosters as (

    select
        roster_intervals.group_id,
        roster_intervals.mentor_id,
        months.month,
        months.month_end,
        months.is_complete_month,
        roster_intervals.member_id,
        roster_intervals.tier,
        roster_intervals.join_date

    from months
    inner join roster_intervals
        on
            months.month_end >= roster_intervals.start_date
            and (
                roster_intervals.end_date is null
                or months.month_end < roster_intervals.end_date
            )
    where {{ rebuilt_months('months.month') }}

),

with_tenure as (

    select
        month_end_rosters.*,
        {{ tenure_month('month_end', 'join_date') }} as tenure_month,
        {{ tenure_bucket('month_end', 'join_date') }} as tenure_bucket

    from month_end_rosters

),

with_activity as (

    select
        with_tenure.group_id,
        with_tenure.mentor_id,
        with_tenure.month,
        with_tenure.month_end,
        with_tenure.is_complete_month,
        with_tenure.member_id,
        with_tenure.tier,
        with_tenure.join_date,
        with_tenure.tenure_month,
        with_tenure.tenure_bucket,
        baselines.expected_active_rate,
        cast(coalesce(monthly_purchases.purchases, 0) as integer) as purchases,
        cast(coalesce(monthly_purchases.sales, 0) as decimal(18, 2)) as sales,
        coalesce(monthly_purchases.purchases, 0) > 0 as is_active

    from with_tenure
    left join monthly_purchases
        on
            with_tenure.member_id = monthly_purchases.member_id
            and with_tenure.month = monthly_purchases.month
    left join baselines
        on
            with_tenure.tier = baselines.tier
            and with_tenure.tenure_bucket = baselines.tenure_bucket

)

select * from with_activity
