with

tenure_windows as (

    select * from {{ ref('int_member_tenure_windows') }}

),

baselines as (

    select * from {{ ref('tenure_activity_baselines') }}

),

complete_windows as (

    select
        tier,
        tenure_bucket,
        count(*) as windows,
        count(case when is_active then 1 end) as active_windows

    from tenure_windows
    where is_complete
    group by 1, 2

),

rates as (

    select
        complete_windows.tier,
        complete_windows.tenure_bucket,
        complete_windows.windows,
        complete_windows.active_windows,
        cast(complete_windows.active_windows as {{ type_double() }})
        / complete_windows.windows as active_rate,
        cast(baselines.expected_active_rate as {{ type_double() }}) as expected_active_rate

    from complete_windows
    left join baselines
        on
            complete_windows.tier = baselines.tier
            and complete_windows.tenure_bucket = baselines.tenure_bucket

),

final as (

    select
        cast(tier as integer) as tier,
        cast(tenure_bucket as integer) as tenure_bucket,
        cast(windows as integer) as windows,
        cast(active_windows as integer) as active_windows,
        active_rate,
        expected_active_rate,
        (active_rate - expected_active_rate) * 100 as delta_pp

    from rates

)

select * from final
