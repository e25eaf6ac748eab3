{#- One row per code, backtest cut-off and horizon (alert_code, cutoff_date,
    horizon_days): how well each member alert and each churn score foretold
    churn, at the cut-offs of SPEC §7.1 for the backtest's as_of_date
    (var backtest_report_cutoffs, set by make backtest), from the computed
    cut-offs of int_backtest_results. -#}
with

results as (

    select * from {{ ref('int_backtest_results') }}

),

final as (

    select
        alert_code,
        cutoff_date,
        horizon_days,
        cast({{ "'" ~ run_var('backtest_as_of_date') ~ "'" if run_var('backtest_as_of_date') else 'null' }} as date)
            as as_of_date,
        is_score,
        population,
        churned,
        base_rate,
        flagged,
        flagged_churned,
        precision,
        recall,
        lift,
        auc,
        data_fingerprint,
        score_source

    from results
    where
        not is_task_list
        and {{ date_in('cutoff_date', run_var('backtest_report_cutoffs') or []) }}

)

select * from final
