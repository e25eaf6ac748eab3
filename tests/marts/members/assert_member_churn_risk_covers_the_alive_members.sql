{#- member_churn_risk holds exactly the members alive on as_of_date (SPEC
    §7.1: joined by then and not churned as of then). Fails with every member
    that is in one and not the other. -#}
with

alive as (

    select member_id from {{ ref('member_segments') }}
    where lifecycle_stage <> 'churned'

),

scored as (

    select member_id from {{ ref('member_churn_risk') }}

)

select
    alive.member_id,
    'alive but not scored' as problem
from alive
left join scored on alive.member_id = scored.member_id
where scored.member_id is null

union all

select
    scored.member_id,
    'scored but not alive' as problem
from scored
left join alive on scored.member_id = alive.member_id
where alive.member_id is null
