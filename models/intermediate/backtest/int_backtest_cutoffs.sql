{#- One row per backtest cut-off this run computes (cutoff_date), with the
    fingerprint of the data it reads (var backtest_cutoffs, set by
    make backtest, radar/backtest.py: the cut-offs of SPEC §7.1 whose
    results are not cached for that fingerprint). -#}
{%- set cutoffs = var('backtest_cutoffs') %}
with

cutoffs as (

    {% for cutoff in cutoffs -%}
        select
            cast('{{ cutoff["cutoff_date"] }}' as date) as cutoff_date,
            cast('{{ cutoff["data_fingerprint"] }}' as {{ dbt.type_string() }}) as data_fingerprint
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        -- no cut-off requested: make backtest passes the ones it computes
        select
            cast(null as date) as cutoff_date,
            cast(null as {{ dbt.type_string() }}) as data_fingerprint
        where 1 = 0
    {%- endfor %}

)

select * from cutoffs
