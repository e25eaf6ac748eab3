{#- One row per snapshot date the current member marts need: as_of_date,
    the day before it, and the last two complete month ends before
    as_of_date's month (previous_segment of as_of_date and of the day
    before). Member RFM and lifecycle are computed over these dates
    (int_member_snapshots); the month ends of member_segment_history are
    int_member_month_end_dates. -#}
with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

months as (

    select * from {{ ref('int_months') }}

),

candidates as (

    select
        months.month_last_day as snapshot_date,
        1 as is_month_end,
        0 as is_as_of,
        0 as is_day_before

    from months
    cross join parameters
    where
        months.is_complete_month
        and months.month >= cast({{ dbt.dateadd('month', -2, 'parameters.as_of_month') }} as date)

    union all

    select
        as_of_date as snapshot_date,
        0 as is_month_end,
        1 as is_as_of,
        0 as is_day_before

    from parameters

    union all

    select
        cast({{ dbt.dateadd('day', -1, 'as_of_date') }} as date) as snapshot_date,
        0 as is_month_end,
        0 as is_as_of,
        1 as is_day_before

    from parameters

),

deduplicated as (

    select
        snapshot_date,
        max(is_month_end) = 1 as is_month_end,
        max(is_as_of) = 1 as is_as_of,
        max(is_day_before) = 1 as is_day_before

    from candidates
    group by 1

),

with_month as (

    select
        snapshot_date,
        is_month_end,
        is_as_of,
        is_day_before,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as snapshot_month,
        cast({{ dbt.last_day('snapshot_date', 'month') }} as date) as snapshot_month_last_day

    from deduplicated

),

described as (

    select
        snapshot_date,
        is_month_end,
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
