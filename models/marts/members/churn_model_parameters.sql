{#- One row per as_of_date, model and parameter: the fitted BG/NBD and
    Gamma-Gamma parameters and the churn classifier's feature importances,
    each with its model's fit statistics. -#}
with

fit as (

    select * from {{ ref('stg_scores__churn_model_fit') }}

)

select * from fit
