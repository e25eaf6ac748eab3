{#- Incremental by window_month, the months int_member_tenure_windows wrote
    this run (same reach). -#}
{%- set reach = var('tenure_window_days') - 1 -%}
{{ config(**incremental_by_month('window_month', days_before=reach)) }}

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
    where {{ rebuilt_months('window_month', days_before=reach) }}

)

select * from final
