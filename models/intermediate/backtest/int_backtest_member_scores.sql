{#- One row per backtest cut-off, member of its population and score
    (cutoff_date, member_id, score_code): the three scores of SPEC §7.3 as
    the warehouse would have computed them on day c, higher = more at risk —
    score_churn_risk (the learned churn_risk), score_bgnbd
    (− BG/NBD expected purchase days in the next 90 days), both written by
    make backtest from radar.churn.scores_as_of (source backtest.churn_scores),
    and score_recency (days since the last purchase, or since joining when
    none). A score is null when the model gives none (e.g. BG/NBD for a
    member without a purchase). -#}
with

population as (

    select * from {{ ref('int_backtest_members') }}

),

churn_scores as (

    select * from {{ source('backtest', 'churn_scores') }}

),

model_scores as (

    select
        population.cutoff_date,
        population.member_id,
        cast(churn_scores.churn_risk as {{ type_double() }}) as churn_risk,
        cast(-churn_scores.expected_purchases_90d as {{ type_double() }}) as negative_expected_purchases,
        cast(population.days_inactive as {{ type_double() }}) as days_inactive

    from population
    left join churn_scores
        on
            population.cutoff_date = churn_scores.cutoff_date
            and population.member_id = churn_scores.member_id

),

final as (

    select
        cutoff_date,
        member_id,
        'score_churn_risk' as score_code,
        churn_risk as score
    from model_scores

    union all

    select
        cutoff_date,
        member_id,
        'score_bgnbd' as score_code,
        negative_expected_purchases as score
    from model_scores

    union all

    select
        cutoff_date,
        member_id,
        'score_recency' as score_code,
        days_inactive as score
    from model_scores

)

select * from final
