with

members as (

    select * from {{ ref('int_members') }}

),

first_join as (

    select min(join_month) as first_join_month from members

),

months as (

    -- SPEC §5.6: from the first join month (int_months may start earlier,
    -- with a membership that began before its member's join date)
    select all_months.*
    from {{ ref('int_months') }} as all_months
    inner join first_join
        on all_months.month >= first_join.first_join_month

),

tenure_windows as (

    select * from {{ ref('int_member_tenure_windows') }}

),

monthly_purchases as (

    select * from {{ ref('int_member_monthly_purchases') }}

),

member_activation as (

    select
        members.member_id,
        members.join_month,
        members.referrer_member_id is not null as is_referred,
        coalesce(window_1.is_complete, false) as is_window_1_complete,
        coalesce(window_1.is_active, false) as is_window_1_active,
        coalesce(window_2.is_complete, false) as is_window_2_complete,
        coalesce(window_2.is_active, false) as is_window_2_active

    from members
    left join tenure_windows as window_1
        on
            members.member_id = window_1.member_id
            and window_1.tenure_month = 1
    left join tenure_windows as window_2
        on
            members.member_id = window_2.member_id
            and window_2.tenure_month = 2

),

new_member_counts as (

    select
        join_month as month,
        count(*) as new_members,
        count(case when is_window_1_complete then 1 end) as activation_eligible,
        count(
            case when is_window_1_complete and is_window_1_active then 1 end
        ) as activated_30d,
        count(
            case when is_window_1_active and is_window_2_complete then 1 end
        ) as retention_eligible,
        count(
            case when is_window_1_active and is_window_2_complete and is_window_2_active then 1 end
        ) as retained_window_2,
        count(case when is_referred then 1 end) as referred_new_members

    from member_activation
    group by 1

),

platform_activity as (

    select
        month,
        count(*) as active_members,
        sum(sales) as sales

    from monthly_purchases
    group by 1

),

monthly as (

    select
        months.month,
        months.is_complete_month,
        coalesce(new_member_counts.new_members, 0) as new_members,
        coalesce(new_member_counts.activation_eligible, 0) as activation_eligible,
        coalesce(new_member_counts.activated_30d, 0) as activated_30d,
        coalesce(new_member_counts.retention_eligible, 0) as retention_eligible,
        coalesce(new_member_counts.retained_window_2, 0) as retained_window_2,
        coalesce(platform_activity.active_members, 0) as active_members,
        coalesce(platform_activity.sales, 0) as sales,
        coalesce(new_member_counts.referred_new_members, 0) as referred_new_members

    from months
    left join new_member_counts
        on months.month = new_member_counts.month
    left join platform_activity
        on months.month = platform_activity.month

),

with_previous as (

    select
        monthly.*,
        previous_month.active_members as previous_active_members

    from monthly
    left join monthly as previous_month
        on cast({{ dbt.dateadd('month', -1, 'monthly.month') }} as date) = previous_month.month

),

final as (

    select
        month,
        is_complete_month,
        cast(new_members as integer) as new_members,
        cast(activation_eligible as integer) as activation_eligible,
        cast(activated_30d as integer) as activated_30d,
        case
            when activation_eligible > 0
                then cast(activated_30d as {{ type_double() }}) / activation_eligible
        end as activation_rate,
        cast(retention_eligible as integer) as retention_eligible,
        cast(retained_window_2 as integer) as retained_window_2,
        case
            when retention_eligible > 0
                then cast(retained_window_2 as {{ type_double() }}) / retention_eligible
        end as retention_rate,
        cast(active_members as integer) as active_members,
        cast(sales as decimal(18, 4)) as sales,
        case
            when active_members > 0
                then cast(sales as {{ type_double() }}) / active_members
        end as arppu,
        cast(referred_new_members as integer) as referred_new_members,
        case
            when previous_active_members > 0
                then cast(referred_new_members as {{ type_double() }}) / previous_active_members
        end as k_factor

    from with_previous

)

select * from final
