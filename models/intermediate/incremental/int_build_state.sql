{#- One row: what the last complete build saw — the newest landing batch,
    the as_of_date and the build fingerprint. Written after every incremental
    model (it depends on all of them), so a failed or partial build leaves the
    previous state and the next run rebuilds at least as much.
    int_changes_since_last_build reads the previous row before this is
    rewritten. -#}
{{ config(materialized='table') }}

{% for name in incremental_models() %}
-- depends_on: {{ ref(name) }}
{% endfor %}

with

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

batches as (

    select max(source_batch) as loaded_through_batch

    from (
        select source_batch from {{ ref('stg_landing__orders') }}
        union all
        select source_batch from {{ ref('stg_landing__members') }}
        union all
        select source_batch from {{ ref('stg_landing__group_memberships') }}
    ) as all_batches

),

state as (

    select
        batches.loaded_through_batch,
        parameters.as_of_date,
        '{{ build_fingerprint() }}' as config_fingerprint

    from batches
    cross join parameters

)

select * from state
