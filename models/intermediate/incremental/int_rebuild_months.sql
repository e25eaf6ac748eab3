{#- One row per month (first day) that this run rebuilds in the incremental
    models: every month of int_months inside a range of
    int_changes_since_last_build. Read through the macro in_rebuild_months. -#}
{{ config(materialized='table') }}

with

months as (

    select * from {{ ref('int_months') }}

),

changes as (

    select * from {{ ref('int_changes_since_last_build') }}

),

rebuild as (

    select
        months.month,
        months.is_complete_month

    from months
    inner join changes
        on
            months.month >= changes.from_month
            and (changes.to_month is null or months.month <= changes.to_month)
    group by 1, 2

)

select * from rebuild
