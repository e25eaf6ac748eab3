{#- One row per backtest cut-off and member alive on it (cutoff_date,
    member_id): the population of SPEC §7.1 — joined by c and not `churned`
    as of c (the lifecycle of member_segments, computed with c as the
    cut-off) — with the recency score (days since the last purchase, or since
    joining when none) and the first purchase date in [c + 1, c + the longest
    horizon] (null when none: churned within every horizon).

    The cut-offs are month ends: a member's state on c is her row of
    member_segment_history for that month end (the same member_snapshots
    computation with c as the cut-off, already built), not computed again. -#}
{{ config(materialized='table') }}
{%- set longest_horizon = var('backtest_horizons') | max %}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

history as (

    select * from {{ ref('member_segment_history') }}

),

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),

population as (

    select
        cutoffs.cutoff_date,
        history.member_id,
        history.purchases_total > 0 as has_purchase,
        history.recency_days,
        cast({{ dbt.datediff('history.join_date', 'cutoffs.cutoff_date', 'day') }} as integer)  -- noqa: LT05
            as days_since_join,
        history.lifecycle_stage

    from history
    inner join cutoffs
        on history.month_end = cutoffs.cutoff_date
    where history.lifecycle_stage != 'churned'

),

next_purchases as (

    select
        cutoffs.cutoff_date,
        daily_purchases.member_id,
        min(daily_purchases.purchase_date) as next_purchase_date

    from daily_purchases
    inner join cutoffs
        on
            daily_purchases.purchase_date > cutoffs.cutoff_date
            and daily_purchases.purchase_date
            <= cast({{ dbt.dateadd('day', longest_horizon, 'cutoffs.cutoff_date') }} as date)
    group by 1, 2

),

final as (

    select
        population.cutoff_date,
        population.member_id,
        population.lifecycle_stage,
        population.has_purchase,
        population.recency_days,
        population.days_since_join,
        coalesce(population.recency_days, population.days_since_join) as days_inactive,
        next_purchases.next_purchase_date

    from population
    left join next_purchases
        on
            population.cutoff_date = next_purchases.cutoff_date
            and population.member_id = next_purchases.member_id

)

select * from final
