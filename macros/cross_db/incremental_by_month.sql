{#- Incremental materialization that replaces whole months (SPEC §6).

    A monthly mart rebuilds exactly the months touched by new or changed rows:
    its incremental run selects *every* row of each touched month (never part
    of a month) and this config makes the engine swap those months in:

    - DuckDB, PostgreSQL: `delete+insert` on unique_key = the month column
      (the target's rows of each month present in the new rows are deleted,
      then the new rows inserted);
    - Spark: `insert_overwrite` of Parquet partitions by the month column
      (dbt-spark sets partitionOverwriteMode = dynamic): only the partitions
      present in the new rows are replaced. Spark has no delete+insert, and
      merge needs Delta/Iceberg/Hudi. Partition columns go last in a Spark
      table's column list; read columns by name.

    Both replace exactly the months present in the incremental batch, so the
    same model SQL gives the same table on every engine, and a full refresh
    gives the same table as the incremental runs.

    Usage, first line of a model:
        {{ config(**incremental_by_month('month')) }}
    and in its body:
        {% if is_incremental() %} where month in (<touched months>) {% endif %}
    where <touched months> selects whole months (all rows of each). -#}
{% macro incremental_by_month(month_column='month') -%}
    {{ return(adapter.dispatch('incremental_by_month', 'retention_radar')(month_column)) }}
{%- endmacro %}

{% macro default__incremental_by_month(month_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': month_column,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro spark__incremental_by_month(month_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [month_column],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{#- SQL for a post-hook of an incremental_by_month model that removes the
    months of the table not listed by `keep_query` (a select of one column of
    months), e.g. month ends that are no longer complete after a run with an
    earlier as_of_date:

        post_hook=["{{ drop_months_not_in('month_end', \"select ... \") }}"]

    DuckDB, PostgreSQL: one `delete`. Spark cannot delete from a Parquet
    table: the stale month partitions are dropped one by one (at most a few
    per run) and the hook itself renders empty. -#}
{% macro drop_months_not_in(month_column, keep_query) -%}
    {{ return(adapter.dispatch('drop_months_not_in', 'retention_radar')(month_column, keep_query)) }}
{%- endmacro %}

{% macro default__drop_months_not_in(month_column, keep_query) -%}
    delete from {{ this }} where {{ month_column }} not in ({{ keep_query }})
{%- endmacro %}

{% macro spark__drop_months_not_in(month_column, keep_query) -%}
    {%- if execute -%}
        {%- set stale = run_query('select distinct ' ~ month_column ~ ' from ' ~ this ~ ' where '
                                  ~ month_column ~ ' not in (' ~ keep_query ~ ')') -%}
        {%- for row in stale.rows -%}
            {%- do run_query('alter table ' ~ this ~ ' drop if exists partition (' ~ month_column
                             ~ " = '" ~ row[0] ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
