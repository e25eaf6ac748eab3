{#- One row per membership interval that had started by as_of_date, in local
    dates: the member is on the group's roster on day d when
    start_date <= d and (end_date is null or end_date > d) (SPEC §3). -#}
{#- A table: read by the rosters, the snapshots and the handover models. -#}
{{ config(materialized='table') }}

with

memberships as (

    select * from {{ ref('stg_landing__group_memberships') }}

),

groups as (

    select * from {{ ref('stg_landing__groups') }}

),

members as (

    select * from {{ ref('int_members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

intervals as (

    select
        memberships.member_id,
        memberships.group_id,
        groups.mentor_id,
        memberships.joined_at_utc,
        memberships.joined_date as start_date,
        memberships.left_date as end_date,
        members.tier,
        members.join_date

    from memberships
    inner join members
        on memberships.member_id = members.member_id
    inner join groups
        on memberships.group_id = groups.group_id
    cross join parameters
    where memberships.joined_date <= parameters.as_of_date

)

select * from intervals
