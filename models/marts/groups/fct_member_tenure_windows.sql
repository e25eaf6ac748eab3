{#- Incremental by window_month, the months int_member_tenure_windows wrote
    this run (same predicate). -#}
{%- set earlier = (var('tenure_window_days') - 1 + 27) // 28 -%}
{{ config(**incremental_by_month('window_month', earlier=earlier)) }}
-- depends_on: {{ ref('int_rebuild_months') }}

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
        cast(sales as decimal(18, 4)) as sales,
        window_month

    from tenure_windows
    where {{ in_rebuild_months('window_month', earlier=earlier) }}

)

select * from final
