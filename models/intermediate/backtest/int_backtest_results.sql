{#- One row per code, backtest cut-off and horizon (alert_code, cutoff_date,
    horizon_days) for every cut-off ever computed, with the fingerprint of
    the data it was computed on: the figures of SPEC §7.3 (alert_backtest
    publishes the current cut-offs). Incremental: a run replaces exactly the
    cut-offs of int_backtest_cutoffs (make backtest recomputes a cut-off only
    when its data fingerprint changed), so a cut-off's rows do not depend on
    which other cut-offs were computed with it. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='cutoff_date',
    on_schema_change='fail',
) }}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

members as (

    select * from {{ ref('int_backtest_members') }}

),

member_alerts as (

    select * from {{ ref('int_backtest_member_alerts') }}

),

member_scores as (

    select * from {{ ref('int_backtest_member_scores') }}

),

member_tasks as (

    select * from {{ ref('int_backtest_member_tasks') }}

),

alert_catalog as (

    select * from {{ ref('alert_catalog') }}

),

horizons as (

    {% for horizon in var('backtest_horizons') -%}
        select {{ horizon }} as horizon_days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- Churned within h days after c: no purchase on c + 1 … c + h.
outcomes as (

    select
        members.cutoff_date,
        members.member_id,
        horizons.horizon_days,
        members.next_purchase_date is null
        or members.next_purchase_date
        > cast({{ dbt.dateadd('day', 'horizons.horizon_days', 'members.cutoff_date') }} as date)
            as is_churned

    from members
    cross join horizons

),

outcome_counts as (

    select
        cutoff_date,
        horizon_days,
        count(*) as population,
        sum(case when is_churned then 1 else 0 end) as churned

    from outcomes
    group by 1, 2

),

-- Every cut-off and horizon, an empty population included.
populations as (

    select
        cutoffs.cutoff_date,
        horizons.horizon_days,
        coalesce(outcome_counts.population, 0) as population,
        coalesce(outcome_counts.churned, 0) as churned

    from cutoffs
    cross join horizons
    left join outcome_counts
        on
            cutoffs.cutoff_date = outcome_counts.cutoff_date
            and horizons.horizon_days = outcome_counts.horizon_days

),

-- Rules: every member-level alert code of the catalog, flagged or not;
-- task lists: the members of the cut-off day's list (int_backtest_member_tasks)
-- — every member with a new warning that day, those who became a task (not
-- suppressed by the playbook), those within the mentor's capacity, and for
-- comparison those within it were the list ranked by value at risk first.
rule_codes as (

    select
        alert_code,
        false as is_task_list
    from alert_catalog
    where entity_type = 'member'

    union all

    select
        'list_new_warnings' as alert_code,
        true as is_task_list
    union all
    select
        'list_tasks' as alert_code,
        true as is_task_list
    union all
    select
        'list_tasks_within_capacity' as alert_code,
        true as is_task_list
    union all
    select
        'list_tasks_by_value_within_capacity' as alert_code,
        true as is_task_list

),

flag_sets as (

    select
        cutoff_date,
        member_id,
        alert_code
    from member_alerts

    union all

    select
        cutoff_date,
        member_id,
        'list_new_warnings' as alert_code
    from member_tasks

    union all

    select
        cutoff_date,
        member_id,
        'list_tasks' as alert_code
    from member_tasks
    where is_task

    union all

    select
        cutoff_date,
        member_id,
        'list_tasks_within_capacity' as alert_code
    from member_tasks
    where within_capacity

    union all

    select
        cutoff_date,
        member_id,
        'list_tasks_by_value_within_capacity' as alert_code
    from member_tasks
    where within_capacity_by_value

),

rule_counts as (

    select
        flag_sets.cutoff_date,
        flag_sets.alert_code,
        outcomes.horizon_days,
        count(*) as flagged,
        sum(case when outcomes.is_churned then 1 else 0 end) as flagged_churned

    from flag_sets
    inner join outcomes
        on
            flag_sets.cutoff_date = outcomes.cutoff_date
            and flag_sets.member_id = outcomes.member_id
    group by 1, 2, 3

),

rules as (

    select
        populations.cutoff_date,
        populations.horizon_days,
        rule_codes.alert_code,
        false as is_score,
        rule_codes.is_task_list,
        populations.population,
        populations.churned,
        coalesce(rule_counts.flagged, 0) as flagged,
        coalesce(rule_counts.flagged_churned, 0) as flagged_churned,
        cast(null as {{ type_double() }}) as auc

    from populations
    cross join rule_codes
    left join rule_counts
        on
            populations.cutoff_date = rule_counts.cutoff_date
            and populations.horizon_days = rule_counts.horizon_days
            and rule_codes.alert_code = rule_counts.alert_code

),

score_codes as (

    select 'score_churn_risk' as alert_code
    union all
    select 'score_bgnbd' as alert_code
    union all
    select 'score_recency' as alert_code

),

-- Scores: risk_order 1 = most at risk (highest score; a missing score
-- last; equal scores by member_id); the ascending mid-rank (ties share the
-- mean of their ranks, a missing score lowest) gives the AUC.
ranked as (

    select
        cutoff_date,
        member_id,
        score_code,
        row_number() over (
            partition by cutoff_date, score_code
            order by score desc nulls last, member_id asc
        ) as risk_order,
        rank()
            over (
                partition by cutoff_date, score_code
                order by score asc nulls first
            )
        + (
            count(*) over (partition by cutoff_date, score_code, score) - 1
        ) / 2.0 as mid_rank

    from member_scores

),

-- Flagged by a score: the top ceil(share × population) of the cut-off (the
-- population is the same at every horizon; decimal arithmetic: 0.1 × 30 is
-- 3, not 3.0000000000000004).
quotas as (

    select distinct
        cutoff_date,
        ceiling(cast({{ var('backtest_top_share') }} as decimal(9, 6)) * population) as quota

    from populations

),

score_counts as (

    select
        ranked.cutoff_date,
        ranked.score_code as alert_code,
        outcomes.horizon_days,
        sum(case when ranked.risk_order <= quotas.quota then 1 else 0 end) as flagged,
        sum(
            case when ranked.risk_order <= quotas.quota and outcomes.is_churned then 1 else 0 end
        ) as flagged_churned,
        sum(case when outcomes.is_churned then ranked.mid_rank else 0 end) as churned_rank_sum

    from ranked
    inner join outcomes
        on
            ranked.cutoff_date = outcomes.cutoff_date
            and ranked.member_id = outcomes.member_id
    inner join quotas
        on outcomes.cutoff_date = quotas.cutoff_date
    group by 1, 2, 3

),

-- AUC = (rank sum of the churned − n1 (n1 + 1) / 2) / (n1 n0): the share of
-- (churned, retained) pairs the score orders right, ties counted half.
scores as (

    select
        populations.cutoff_date,
        populations.horizon_days,
        score_codes.alert_code,
        true as is_score,
        false as is_task_list,
        populations.population,
        populations.churned,
        coalesce(score_counts.flagged, 0) as flagged,
        coalesce(score_counts.flagged_churned, 0) as flagged_churned,
        case
            when populations.churned > 0 and populations.population > populations.churned
                then (
                    score_counts.churned_rank_sum
                    - populations.churned * (populations.churned + 1) / 2.0
                )
                / (
                    cast(populations.churned as {{ type_double() }})
                    * (populations.population - populations.churned)
                )
        end as auc

    from populations
    cross join score_codes
    left join score_counts
        on
            populations.cutoff_date = score_counts.cutoff_date
            and populations.horizon_days = score_counts.horizon_days
            and score_codes.alert_code = score_counts.alert_code

),

unioned as (

    select * from rules
    union all
    select * from scores

),

final as (

    select
        unioned.alert_code,
        unioned.cutoff_date,
        unioned.horizon_days,
        unioned.is_score,
        unioned.is_task_list,
        cast(unioned.population as {{ dbt.type_bigint() }}) as population,
        cast(unioned.churned as {{ dbt.type_bigint() }}) as churned,
        cast(unioned.churned as {{ type_double() }}) / nullif(unioned.population, 0) as base_rate,
        cast(unioned.flagged as {{ dbt.type_bigint() }}) as flagged,
        cast(unioned.flagged_churned as {{ dbt.type_bigint() }}) as flagged_churned,
        cast(unioned.flagged_churned as {{ type_double() }}) / nullif(unioned.flagged, 0) as precision,
        cast(unioned.flagged_churned as {{ type_double() }}) / nullif(unioned.churned, 0) as recall,
        case
            when unioned.flagged > 0 and unioned.churned > 0
                then
                    (cast(unioned.flagged_churned as {{ type_double() }}) / unioned.flagged)
                    / (cast(unioned.churned as {{ type_double() }}) / unioned.population)
        end as lift,
        cast(unioned.auc as {{ type_double() }}) as auc,
        cutoffs.data_fingerprint,
        cast('{{ run_var("backtest_score_source") or "none" }}' as {{ dbt.type_string() }}) as score_source

    from unioned
    inner join cutoffs
        on unioned.cutoff_date = cutoffs.cutoff_date

)

select * from final
