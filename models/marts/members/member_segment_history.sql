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
        previous.segment as previous_segment,
        previous.segment_rank as previous_segment_rank,
        cast(batches_seen.loaded_through_batch as {{ engine_data_type('varchar') }}) as loaded_through_batch

    from snapshots
    inner join months_to_build
        on snapshots.snapshot_date = months_to_build.month_end
    -- her row on the month end before (the snapshots hold the month before
    -- the first rebuilt one too); none in the month she joined
    left join snapshots as previous
        on
            snapshots.member_id = previous.member_id
            and snapshots.previous_month_end = previous.snapshot_date
    cross join batches_seen

)

select * from final
