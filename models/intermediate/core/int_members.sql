{#- Members who had joined by as_of_date (the cut-off), with join month. -#}
{#- A table: read by most member and group models. -#}
{{ config(materialized='table') }}

with

members as (

    select * from {{ ref('stg_landing__members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

joined as (

    select
        members.member_id,
        members.tier,
        members.referrer_member_id,
        members.province,
        members.join_date,
        cast({{ dbt.date_trunc('month', 'members.join_date') }} as date) as join_month,
        members.source_batch

    from members
    cross join parameters
    where members.join_date <= parameters.as_of_date

)

select * from joined
