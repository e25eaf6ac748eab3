{#- RFM flags and segment, lifecycle stage and spend-drop flag (SPEC §5.4),
    each with the snapshot date as the cut-off, over member_snapshot_facts:
    the one definition behind int_member_snapshots (member_segments, the
    member warnings), int_member_month_end_snapshots (member_segment_history)
    and the backtest's member-days (int_backtest_member_snapshots). The
    steps only some of them need are their own macros: rfm_scores,
    previous_segment.

    One row per member and snapshot date (member_id, snapshot_date).
    facts: the member_snapshot_facts relation; snapshot_dates: its dates. -#}
{% macro member_snapshots(facts, snapshot_dates) %}
with

facts as (

    select * from {{ facts }}

),

snapshot_dates as (

    select * from {{ snapshot_dates }}

),

thresholds as (

    select * from {{ ref('rfm_thresholds') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

-- Means over the members with at least one purchase, for method `mean`.
buyer_means as (

    select
        snapshot_date,
        avg(cast(recency_days as {{ type_double() }})) as mean_recency_days,
        avg(cast(frequency_30d as {{ type_double() }})) as mean_frequency_30d,
        cast(sum(monetary_30d) as {{ type_double() }}) / count(monetary_30d) as mean_monetary_30d

    from facts
    where has_purchase
    group by 1

),

flagged as (

    select
        facts.*,
        case
            when not facts.has_purchase then null
            when thresholds.method = 'mean'
                then facts.recency_days < buyer_means.mean_recency_days
            else facts.recency_days <= thresholds.r_high_max_days
        end as r_high,
        case
            when not facts.has_purchase then false
            when thresholds.method = 'mean'
                then facts.frequency_30d > buyer_means.mean_frequency_30d
            else facts.frequency_30d >= thresholds.f_high_min_orders
        end as f_high,
        case
            when not facts.has_purchase then false
            when thresholds.method = 'mean'
                then facts.monetary_30d > buyer_means.mean_monetary_30d
            else facts.monetary_30d >= thresholds.m_high_min_amount
        end as m_high,
        facts.monetary_prev_30d >= {{ var('spend_drop_min_base') }}
        and facts.monetary_30d
        < (1 - {{ var('spend_drop_threshold') }}) * facts.monetary_prev_30d as is_spend_drop

    from facts
    cross join thresholds
    left join buyer_means
        on facts.snapshot_date = buyer_means.snapshot_date

),

-- The no-purchase segment is the rfm_segments row with no flags.
segmented as (

    select
        flagged.*,
        segments.segment,
        segments.segment_rank,
        segments.name_zh as segment_name_zh,
        segments.r_high is not null as is_rfm_segment

    from flagged
    left join segments
        on
            (
                flagged.has_purchase
                and flagged.r_high = segments.r_high
                and flagged.f_high = segments.f_high
                and flagged.m_high = segments.m_high
            )
            or (
                not flagged.has_purchase
                and segments.r_high is null
                and segments.f_high is null
                and segments.m_high is null
            )

),

-- SPEC §5.4 lifecycle: the first rule that applies (1 … 5).
ruled as (

    select
        *,
        case
            when not has_purchase then 1
            when recency_days > {{ var('churn_after_days') }} then 2
            when recency_days > {{ var('decline_after_days') }} then 3
            when is_spend_drop then 4
            else 5
        end as lifecycle_rule

    from segmented

),

staged as (

    select
        *,
        case
            when lifecycle_rule = 1 and days_since_join <= {{ var('churn_after_days') }}
                then 'onboarding'
            when lifecycle_rule in (1, 2) then 'churned'
            when lifecycle_rule in (3, 4) then 'declining'
            when purchases_total = 1 then 'growth'
            else 'mature'
        end as lifecycle_stage

    from ruled

),

dated as (

    select
        staged.*,
        snapshot_dates.is_month_end,
        snapshot_dates.is_as_of,
        snapshot_dates.is_day_before,
        snapshot_dates.previous_month_end

    from staged
    inner join snapshot_dates
        on staged.snapshot_date = snapshot_dates.snapshot_date

),

final as (

    select
        member_id,
        snapshot_date,
        is_month_end,
        is_as_of,
        is_day_before,
        tier,
        join_date,
        cast(days_since_join as integer) as days_since_join,
        cast(tenure_month as integer) as tenure_month,
        has_purchase,
        first_purchase_date,
        last_purchase_date,
        cast(recency_days as integer) as recency_days,
        cast(purchases_total as integer) as purchases_total,
        cast(sales_total as decimal(18, 4)) as sales_total,
        cast(frequency_30d as integer) as frequency_30d,
        cast(monetary_30d as decimal(18, 4)) as monetary_30d,
        cast(monetary_prev_30d as decimal(18, 4)) as monetary_prev_30d,
        r_high,
        f_high,
        m_high,
        segment,
        cast(segment_rank as integer) as segment_rank,
        segment_name_zh,
        is_rfm_segment,
        is_spend_drop,
        lifecycle_rule,
        lifecycle_stage,
        previous_month_end

    from dated

)

select * from final
{% endmacro %}
