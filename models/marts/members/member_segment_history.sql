{#- One row per member and complete month end (member_id, month_end) for the
    members joined by that day: the member_segments computation with the
    month's last day as the cut-off, from int_member_month_end_snapshots.

    Incremental by month (macro incremental_by_month): a nightly run rewrites
    every complete month end from the month of var rebuild_from_date on and
    keeps the earlier ones. -#}
{{ config(**incremental_by_month('month')) }}
{%- if execute and run_var('rebuild_from_date') is not none and not flags.FULL_REFRESH and not is_incremental() %}
    {{ exceptions.raise_compiler_error(
        "member_segment_history is not in this warehouse yet: build it whole, without var "
        ~ "rebuild_from_date (with it, its inputs compute only the month ends from that date on)") }}
{%- endif %}

with

snapshots as (

    select * from {{ ref('int_member_month_end_snapshots') }}

),

orders as (

    select * from {{ ref('int_orders') }}

),

members as (

    select * from {{ ref('int_members') }}

),

snapshot_dates as (

    select * from {{ ref('int_member_month_end_dates') }}

),

-- The newest landing batch this run has seen, stored on every written row.
batches_seen as (

    select max(source_batch) as loaded_through_batch

    from (
        select source_batch from orders
        union all
        select source_batch from members
    ) as all_batches

),

-- Her row on the month end before, from the row before hers in date order:
-- one sort instead of a self-join of every member-month (at L 12.7M rows,
-- where the join spilled ~5 GB). Taken only when that row is on
-- previous_month_end, so the result is the join's: none in the month she
-- joined (the snapshots hold the month before the first rebuilt one too).
with_previous as (

    select
        snapshots.*,
        lag(snapshots.snapshot_date) over (
            partition by snapshots.member_id order by snapshots.snapshot_date
        ) as row_before_date,
        lag(snapshots.segment) over (
            partition by snapshots.member_id order by snapshots.snapshot_date
        ) as row_before_segment,
        lag(snapshots.segment_rank) over (
            partition by snapshots.member_id order by snapshots.snapshot_date
        ) as row_before_segment_rank

    from snapshots

),

months_to_build as (

    select snapshot_date as month_end

    from snapshot_dates
    where
        is_month_end
        and {{ rebuilt_months('snapshot_month') }}

),

final as (

    select
        snapshots.member_id,
        snapshots.snapshot_date as month_end,
        cast({{ dbt.date_trunc('month', 'snapshots.snapshot_date') }} as date) as month,
        snapshots.tier,
        snapshots.join_date,
        snapshots.tenure_month,
        snapshots.first_purchase_date,
        snapshots.last_purchase_date,
        snapshots.recency_days,
        snapshots.frequency_30d,
        snapshots.monetary_30d,
        snapshots.monetary_prev_30d,
        snapshots.purchases_total,
        snapshots.sales_total,
        snapshots.r_high,
        snapshots.f_high,
        snapshots.m_high,
        snapshots.r_score,
        snapshots.f_score,
        snapshots.m_score,
        snapshots.segment,
        snapshots.segment_rank,
        snapshots.segment_name_zh,
        -- typed as the contract (PostgreSQL reads string literals as text)
        cast(snapshots.lifecycle_stage as {{ engine_data_type('varchar') }}) as lifecycle_stage,
        case
            when snapshots.row_before_date = snapshots.previous_month_end
                then snapshots.row_before_segment
        end as previous_segment,
        case
            when snapshots.row_before_date = snapshots.previous_month_end
                then snapshots.row_before_segment_rank
        end as previous_segment_rank,
        cast(batches_seen.loaded_through_batch as {{ engine_data_type('varchar') }}) as loaded_through_batch

    from with_previous as snapshots
    inner join months_to_build
        on snapshots.snapshot_date = months_to_build.month_end
    cross join batches_seen

)

select * from final
