{#- Make the landing tables of the loader visible to the target engine.

    DuckDB and PostgreSQL: nothing to do, the loader / the pipeline's publish
    step (radar/engines.py) writes landing.<table> itself.
    Spark: (re)create landing.<table> as external Parquet tables over the
    folders the pipeline writes, $RADAR_SPARK_LANDING/<table> (an absolute path
    or a URI the cluster reads, e.g. s3a://bucket/radar/landing). Dropping an
    external table leaves its files alone; recreating it picks up a changed
    schema and the new files.

    Run: dbt run-operation register_landing_tables --target spark
    (radar/pipeline.py does, unless dbt_project.yml runs it as an
    `on-run-start` hook, which saves Spark a second JVM start per run). -#}
{% macro register_landing_tables() -%}
    {{ return(adapter.dispatch('register_landing_tables', 'retention_radar')()) }}
{%- endmacro %}

{% macro default__register_landing_tables() -%}
    {#- the loader / the publish step writes landing.<table> itself -#}
{%- endmacro %}

{% macro spark__register_landing_tables() -%}
    {%- set location = env_var('RADAR_SPARK_LANDING', env_var('RADAR_SPARK_DIR', 'warehouse/spark') ~ '/landing') -%}
    {#- the same list as radar/engines.py LANDING_TABLES (test_engines compares them) -#}
    {%- set tables = ['erasure_requests', 'mentors', 'groups', 'members', 'group_memberships',
                      'orders', 'order_items', 'quarantine', 'load_log'] -%}
    {% do run_query('create schema if not exists landing') %}
    {% for table in tables %}
        {% do run_query('drop table if exists landing.' ~ table) %}
        {% do run_query("create table landing." ~ table ~ " using parquet location '"
                        ~ location ~ "/" ~ table ~ "'") %}
    {% endfor %}
    {{ log('registered ' ~ tables | length ~ ' landing tables over ' ~ location, info=true) }}
{%- endmacro %}
