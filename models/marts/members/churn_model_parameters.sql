{#- One row per as_of_date, model and parameter: the fitted BG/NBD and
    Gamma-Gamma parameters and the churn classifier's feature importances,
    each with its model's fit statistics. -#}
with

fit as (

    select * from {{ ref('stg_scores__churn_model_fit') }}

),

final as (

    select
        as_of_date,
        model,
        parameter,
        value,
        std_error_log,
        method,
        converged,
        log_likelihood,
        n_members,
        unique_rows,
        iterations,
        gradient_norm,
        training_cutoffs,
        training_rows,
        training_churn_rate,
        holdout_cutoff,
        holdout_rows,
        holdout_auc,
        holdout_auc_bgnbd,
        holdout_auc_recency

    from fit

)

select * from final
