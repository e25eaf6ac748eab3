with

source as (

    select * from {{ source('scores', 'churn_model_fit') }}

),

typed as (

    select
        ---------- grain
        cast(as_of_date as date) as as_of_date,
        cast(model as {{ engine_data_type('varchar') }}) as model,
        cast(parameter as {{ engine_data_type('varchar') }}) as parameter,

        ---------- the parameter
        cast(value as {{ type_double() }}) as value,
        cast(std_error_log as {{ type_double() }}) as std_error_log,

        ---------- fit statistics of the model
        cast(method as {{ engine_data_type('varchar') }}) as method,
        cast(converged as boolean) as converged,
        cast(log_likelihood as {{ type_double() }}) as log_likelihood,
        cast(n_members as integer) as n_members,
        cast(unique_rows as integer) as unique_rows,
        cast(iterations as integer) as iterations,
        cast(gradient_norm as {{ type_double() }}) as gradient_norm,

        ---------- training and out-of-time holdout
        cast(training_cutoffs as {{ engine_data_type('varchar') }}) as training_cutoffs,
        cast(training_rows as integer) as training_rows,
        cast(training_churn_rate as {{ type_double() }}) as training_churn_rate,
        cast(holdout_cutoff as date) as holdout_cutoff,
        cast(holdout_rows as integer) as holdout_rows,
        cast(holdout_auc as {{ type_double() }}) as holdout_auc,
        cast(holdout_auc_bgnbd as {{ type_double() }}) as holdout_auc_bgnbd,
        cast(holdout_auc_recency as {{ type_double() }}) as holdout_auc_recency

    from source

)

select * from typed
