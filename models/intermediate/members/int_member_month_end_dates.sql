{#- One row per complete month end member_segment_history writes this run
    (snapshot_date): the last day of every complete month from the month
    before the first month of int_rebuild_months on (the history's totals
    are cumulative, so every later month end is rewritten; the month before
    gives the first one its previous_segment). A full build rebuilds every
    month, so it lists them all. Same columns as int_member_snapshot_dates. -#}
with

months as (

    select * from {{ ref('int_months') }}

),

rebuild as (

    select min(month) as first_rebuild_month from {{ ref('int_rebuild_months') }}

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
    cross join rebuild
    where
        months.is_complete_month
        and months.month >= cast({{ dbt.dateadd('month', -1, 'rebuild.first_rebuild_month') }} as date)

)

select * from month_ends
