{#- One row per snapshot date the current member marts need: as_of_date and
    the day before it (the warnings' is_new compares the two), and the
    previous month end of each (where the segment_downgrade alert's previous
    segment is computed; both flags false unless it is one of the two).
    Member RFM and lifecycle are computed over these dates
    (int_member_snapshots); the month ends of member_segment_history are
    int_member_month_end_dates. -#}
with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

evaluation_days as (

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
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as snapshot_month

    from evaluation_days

),

-- The evaluation days and their previous month ends; a day that is both
-- (as_of_date on the 1st: the day before is its previous month end) is one row.
candidates as (

    select
        snapshot_date,
        is_as_of,
        is_day_before

    from evaluation_days

    union all

    select
        cast({{ dbt.dateadd('day', -1, 'snapshot_month') }} as date) as snapshot_date,
        false as is_as_of,
        false as is_day_before

    from with_month

),

dates as (

    select
        snapshot_date,
        max(case when is_as_of then 1 else 0 end) = 1 as is_as_of,
        max(case when is_day_before then 1 else 0 end) = 1 as is_day_before,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as snapshot_month,
        cast({{ dbt.last_day('snapshot_date', 'month') }} as date) as snapshot_month_last_day

    from candidates
    group by snapshot_date

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

    from dates

)

select * from described
