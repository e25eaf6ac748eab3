{#- A var that changes from run to run (as_of_date, rebuild_from_date): the
    var when it is set (`dbt build --vars '{as_of_date: 2024-06-30}'`), else
    the environment variable RADAR_<NAME> (RADAR_AS_OF_DATE,
    RADAR_REBUILD_FROM_DATE), else none.

    The pipeline (radar/pipeline.py run_dbt) passes these two through the
    environment: dbt re-parses the whole project (about 5 s) whenever --vars
    differs from the last invocation's, but re-parses only the files that read
    an environment variable when its value changes. -#}
{% macro run_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none -%}
        {%- set value = env_var('RADAR_' ~ name | upper, '') | trim or none -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
