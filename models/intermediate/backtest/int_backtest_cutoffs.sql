{#- One row per backtest cut-off this dbt build computes (cutoff_date), with
    the fingerprint of the data it reads: source backtest.cutoffs, written by
    make backtest (radar/backtest.py) before each build — the cut-offs of
    SPEC §7.1 whose results are not cached for that fingerprint, a few per
    build. -#}
with

cutoffs as (

    select
        cast(cutoff_date as date) as cutoff_date,
        cast(data_fingerprint as {{ dbt.type_string() }}) as data_fingerprint

    from {{ source('backtest', 'cutoffs') }}

)

select * from cutoffs
