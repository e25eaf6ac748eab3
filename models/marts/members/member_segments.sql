{#- One row per member joined by as_of_date (member_id): RFM, segment and
    lifecycle as of as_of_date, from int_member_snapshots. -#}
with

snapshots as (

    select * from {{ ref('int_member_snapshots') }}

),

final as (

    select
        snapshot_date as as_of_date,
        member_id,
        tier,
        join_date,
        tenure_month,
        group_id,
        mentor_id,
        first_purchase_date,
        last_purchase_date,
        recency_days,
        frequency_30d,
        monetary_30d,
        monetary_prev_30d,
        purchases_total,
        sales_total,
        r_high,
        f_high,
        m_high,
        r_score,
        f_score,
        m_score,
        segment,
        segment_rank,
        segment_name_zh,
        lifecycle_stage,
        previous_segment,
        previous_segment_rank

    from snapshots
    where is_as_of

)

select * from final
