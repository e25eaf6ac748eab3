{#- One row per member alive on as_of_date (member_id): BG/NBD, Gamma-Gamma
    and the learned churn risk computed by the pipeline's scoring step
    (radar/churn.py), with the member's rank by risk. -#}
with

scores as (

    select * from {{ ref('stg_scores__member_churn_scores') }}

),

ranked as (

    select
        *,
        row_number() over (
            order by
                case when churn_risk is null then 1 else 0 end,
                churn_risk desc,
                member_id asc
        ) as churn_risk_rank,
        count(churn_risk) over () as scored_members

    from scores

),

final as (

    select
        as_of_date,
        member_id,
        frequency,
        recency,
        age,
        p_alive,
        expected_purchases_30d,
        expected_purchases_90d,
        expected_spend_per_purchase,
        expected_value_90d,
        p_no_purchase_90d,
        churn_risk,
        churn_risk_method,
        cast(churn_risk_rank as integer) as churn_risk_rank,
        cast(
            case
                when churn_risk is not null
                    then 1 + {{ floor_divide('10 * (churn_risk_rank - 1)', 'scored_members') }}
            end as integer
        ) as churn_risk_decile

    from ranked

)

select * from final
