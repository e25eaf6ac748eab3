{#- One row per complete month end (snapshot_date): the dates of
    member_segment_history, which picks the months it rebuilds itself (a view
    never depends on a run's vars: its stored SQL would outlive the run).
    Same columns as int_member_snapshot_dates. -#}
with

months as (

    select * from {{ ref('int_months') }}

),

month_ends as (

    select
        months.month_last_day as snapshot_date,
        true as is_month_end,
        false as is_as_of,
        false as is_day_before,
        months.month as snapshot_month,
        cast({{ dbt.dateadd('day', -1, 'months.month') }} as date) as previous_month_end,
        months.month as last_complete_month

    from months
    where months.is_complete_month

)

select * from month_ends
