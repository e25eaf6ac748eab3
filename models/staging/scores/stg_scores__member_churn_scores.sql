with

source as (

    select * from {{ source('scores', 'member_churn_scores') }}

),

typed as (

    select
        ---------- ids
        member_id,

        ---------- dates
        cast(as_of_date as date) as as_of_date,

        ---------- BG/NBD inputs (days)
        cast(frequency as integer) as frequency,
        cast(recency as integer) as recency,
        cast(age as integer) as age,

        ---------- model outputs
        cast(p_alive as {{ type_double() }}) as p_alive,
        cast(expected_purchases_30d as {{ type_double() }}) as expected_purchases_30d,
        cast(expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
        cast(expected_spend_per_purchase as {{ type_double() }}) as expected_spend_per_purchase,
        cast(expected_value_90d as {{ type_double() }}) as expected_value_90d,
        cast(p_no_purchase_90d as {{ type_double() }}) as p_no_purchase_90d,
        cast(churn_risk as {{ type_double() }}) as churn_risk,
        cast(churn_risk_method as {{ engine_data_type('varchar') }}) as churn_risk_method

    from source

)

select * from typed
