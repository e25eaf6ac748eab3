{#- One row per group closed on or before as_of_date (local closed date):
    its mentor, closed date and the end of the re-homing window
    (closed_date + handover_window_days) and whether that window is over. -#}
{#- A table, not a view: read by a model and its tests, computed once per build. -#}
{{ config(materialized='table') }}

with

groups as (

    select * from {{ ref('stg_landing__groups') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

closed_groups as (

    select
        groups.group_id,
        groups.mentor_id,
        groups.closed_date,
        cast(
            {{ dbt.dateadd('day', var('handover_window_days'), 'groups.closed_date') }} as date
        ) as window_end_date,
        parameters.as_of_date

    from groups
    cross join parameters
    where groups.closed_date <= parameters.as_of_date

),

final as (

    select
        group_id,
        mentor_id,
        closed_date,
        window_end_date,
        window_end_date <= as_of_date as is_window_complete

    from closed_groups

)

select * from final
