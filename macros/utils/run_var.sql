{#- A var that changes from run to run (as_of_date, rebuild_from_date, the
    backtest's cut-offs, as-of date and score source): the var when it is set
    (`dbt build --vars '{as_of_date: 2024-06-30}'`), else the environment
    variable RADAR_<NAME> (RADAR_AS_OF_DATE, RADAR_REBUILD_FROM_DATE, …; a
    JSON value such as a list is decoded, any other text is taken as it is),
    else none.

    The pipeline and the backtest (radar.pipeline.dbt_session) pass these
    through the environment: dbt re-parses the whole project (about 5 s)
    whenever --vars differs from the last invocation's, but re-parses only the
    files that read an environment variable when its value changes. -#}
{% macro run_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none -%}
        {%- set text = env_var('RADAR_' ~ name | upper, '') | trim -%}
        {%- set value = fromjson(text, text) if text else none -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
