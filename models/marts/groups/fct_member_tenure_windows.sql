with

tenure_windows as (

    select * from {{ ref('int_member_tenure_windows') }}

),

final as (

    select
        member_id,
        tenure_month,
        tier,
        cast(tenure_bucket as integer) as tenure_bucket,
        window_start,
        window_end,
        is_complete,
        is_active,
        purchases,
        cast(sales as decimal(18, 4)) as sales

    from tenure_windows

)

select * from final
