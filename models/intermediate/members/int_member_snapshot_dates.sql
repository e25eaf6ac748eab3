{#- One row per snapshot date the current member marts need: as_of_date and
    the day before it (the warnings' is_new compares the two). Member RFM
    and lifecycle are computed over these dates (int_member_snapshots); the
    month ends of member_segment_history are int_member_month_end_dates. -#}
with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

candidates as (

    select
        as_of_date as snapshot_date,
        true as is_as_of,
        false as is_day_before

    from parameters

    union all

    select
        cast({{ dbt.dateadd('day', -1, 'as_of_date') }} as date) as snapshot_date,
        false as is_as_of,
        true as is_day_before

    from parameters

),

with_month as (

    select
        snapshot_date,
        is_as_of,
        is_day_before,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as snapshot_month,
        cast({{ dbt.last_day('snapshot_date', 'month') }} as date) as snapshot_month_last_day

    from candidates

),

described as (

    select
        snapshot_date,
        snapshot_date = snapshot_month_last_day as is_month_end,
        is_as_of,
        is_day_before,
        snapshot_month,
        cast({{ dbt.dateadd('day', -1, 'snapshot_month') }} as date) as previous_month_end,
        case
            when snapshot_date = snapshot_month_last_day then snapshot_month
            else cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
        end as last_complete_month

    from with_month

)

select * from described
