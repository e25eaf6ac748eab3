{{
    config(
        post_hook=[
            "{{ drop_months_not_in('month_end', 'select snapshot_date from '
                ~ ref('int_member_snapshot_dates') ~ ' where is_month_end') }}",
        ],
        **incremental_by_month('month_end')
    )
}}

{#- One row per member and complete month end (member_id, month_end) for the
    members joined by that day: the member_segments computation with the
    month's last day as the cut-off, from int_member_snapshots.

    Incremental by month: a run rewrites only (a) complete month ends not yet
    in the table and (b) month ends on or after the earliest date touched by
    landing rows newer than the table's watermark (orders incl. late refunds:
    their order date; members: their join date). Whole months are replaced
    (macro incremental_by_month: delete+insert on DuckDB and PostgreSQL,
    insert_overwrite of month partitions on Spark). Month ends that are no
    longer complete (a run with an earlier as_of_date) are removed by the
    post-hook (drop_months_not_in). -#}
with

snapshots as (

    select * from {{ ref('int_member_snapshots') }}

),

orders as (

    select * from {{ ref('int_orders') }}

),

members as (

    select * from {{ ref('int_members') }}

),

snapshot_dates as (

    select * from {{ ref('int_member_snapshot_dates') }}

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

month_ends as (

    select snapshot_date as month_end

    from snapshot_dates
    where is_month_end

),

-- The table's state: its watermark (newest batch seen by the runs that wrote
-- it) and its last month end. A first build or a full refresh has neither.
existing as (

    {% if is_incremental() %}
        select
            max(loaded_through_batch) as watermark,
            max(month_end) as max_month_end

        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as watermark,
            cast(null as date) as max_month_end
    {% endif %}

),

-- The earliest date touched by landing rows newer than the watermark: an
-- order (new, cancelled, refunded late) changes every month end from its
-- order date on, a member every month end from her join date on.
first_changed as (

    select min(changed_date) as first_changed_date

    from (
        select orders.order_date as changed_date
        from orders
        cross join existing
        where orders.source_batch > coalesce(existing.watermark, '')

        union all

        select members.join_date as changed_date
        from members
        cross join existing
        where members.source_batch > coalesce(existing.watermark, '')
    ) as changed_dates

),

months_to_build as (

    select month_ends.month_end

    from month_ends
    cross join existing
    cross join first_changed
    where
        existing.max_month_end is null
        or month_ends.month_end > existing.max_month_end
        or month_ends.month_end >= first_changed.first_changed_date

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
        snapshots.lifecycle_stage,
        snapshots.previous_segment,
        snapshots.previous_segment_rank,
        batches_seen.loaded_through_batch

    from snapshots
    inner join months_to_build
        on snapshots.snapshot_date = months_to_build.month_end
    cross join batches_seen

)

select * from final
