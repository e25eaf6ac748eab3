{#- Staging adds the order's net amount and purchase flag (SPEC §3), as the
    foundation issue asks, so that no later model re-derives them. -#}
{#- A table, not a view (unlike the other staging models): the order-line
    aggregation is read by the cut-off, the change detection, the order facts
    and the build state; as a table the run scans the order lines for it once. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('landing', 'orders') }}

),

order_items as (

    select * from {{ ref('stg_landing__order_items') }}

),

order_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(line_net_amount) as net_amount,
        max(source_batch) as latest_item_batch

    from order_items
    group by 1

),

renamed as (

    select
        ---------- ids
        source.order_id,
        source.member_id,

        ---------- status
        source.status,

        ---------- timestamps (UTC)
        source.ordered_at as ordered_at_utc,

        ---------- local dates
        {{ local_date('source.ordered_at') }} as order_date,

        ---------- amounts (SPEC §3: net = sum of line_amount - refunded_amount)
        coalesce(order_totals.line_count, 0) as line_count,
        cast(coalesce(order_totals.net_amount, 0) as decimal(18, 2)) as net_amount,

        ---------- flags (a purchase is a paid order with net amount > 0)
        (
            source.status = 'paid'
            and coalesce(order_totals.net_amount, 0) > 0
        ) as is_purchase,

        ---------- lineage: the newest batch that touched the order or its lines
        -- (greatest skips a null: an order without lines keeps its own batch)
        greatest(order_totals.latest_item_batch, source._batch) as source_batch,
        source._loaded_at as loaded_at

    from source
    left join order_totals
        on source.order_id = order_totals.order_id

)

select * from renamed
