{#- One row per task list, backtest cut-off and horizon (list_code,
    cutoff_date, horizon_days): how many of the members on the cut-off day's
    list churned within h — every member with a new warning that day, those
    that became a task, those within the mentor's capacity — at the
    cut-offs alert_backtest reports (int_backtest_member_tasks,
    int_backtest_results). -#}
with

results as (

    select * from {{ ref('int_backtest_results') }}

),

final as (

    select
        alert_code as list_code,
        cutoff_date,
        horizon_days,
        cast({{ "'" ~ run_var('backtest_as_of_date') ~ "'" if run_var('backtest_as_of_date') else 'null' }} as date)
            as as_of_date,
        population,
        churned,
        base_rate,
        flagged as listed,
        flagged_churned as listed_churned,
        precision,
        recall,
        lift,
        data_fingerprint

    from results
    where
        is_task_list
        and {{ date_in('cutoff_date', run_var('backtest_report_cutoffs') or []) }}

)

select * from final
