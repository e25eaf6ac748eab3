with

members as (

    select * from {{ ref('int_members') }}

),

months as (

    select * from {{ ref('int_months') }}

),

monthly_purchases as (

    select * from {{ ref('int_member_monthly_purchases') }}

),

cohorts as (

    select
        join_month as cohort_month,
        count(*) as cohort_size

    from members
    group by 1

),

cohort_months as (

    select
        cohorts.cohort_month,
        cohorts.cohort_size,
        months.month as activity_month,
        months.is_complete_month,
        {{ dbt.datediff('cohorts.cohort_month', 'months.month', 'month') }} -- noqa: LT05
            as months_since_join

    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month

),

cohort_activity as (

    select
        members.join_month as cohort_month,
        monthly_purchases.month as activity_month,
        count(distinct members.member_id) as active_members

    from members
    inner join monthly_purchases
        on members.member_id = monthly_purchases.member_id
    where monthly_purchases.month >= members.join_month
    group by 1, 2

),

final as (

    select
        cohort_months.cohort_month,
        cast(cohort_months.months_since_join as integer) as months_since_join,
        cohort_months.activity_month,
        cohort_months.is_complete_month,
        cast(cohort_months.cohort_size as integer) as cohort_size,
        cast(coalesce(cohort_activity.active_members, 0) as integer) as active_members,
        cast(coalesce(cohort_activity.active_members, 0) as {{ type_double() }})
        / cohort_months.cohort_size as retention_rate

    from cohort_months
    left join cohort_activity
        on
            cohort_months.cohort_month = cohort_activity.cohort_month
            and cohort_months.activity_month = cohort_activity.activity_month

)

select * from final
