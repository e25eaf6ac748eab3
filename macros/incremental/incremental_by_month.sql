{#- Incremental materialization that replaces whole months (SPEC §6).

    A monthly model rebuilds exactly the months this run must rebuild
    (int_rebuild_months, filled by int_changes_since_last_build): its
    incremental run selects *every* row of each of those months (never part
    of a month), through the predicate in_rebuild_months, and this config
    makes the engine swap those months in:

    - a pre-hook clears the months being rebuilt (so a month that now has no
      rows, e.g. its only purchase was refunded, does not keep old ones);
    - DuckDB, PostgreSQL: `delete+insert` on unique_key = the month column;
    - Spark: `insert_overwrite` of Parquet partitions by the month column
      (dbt-spark sets partitionOverwriteMode = dynamic); the pre-hook drops
      the rebuilt partitions. Spark has no delete+insert, and merge needs
      Delta/Iceberg/Hudi. Partition columns go last in a Spark table's column
      list; read columns by name.
    - a post-hook removes months the cut-off no longer includes (after a run
      with an earlier as_of_date); with complete_only, months that are no
      longer complete as well.

    So the same model SQL gives the same table on every engine, and a full
    refresh gives the same table as any sequence of incremental runs.

    Usage, first lines of a model (later/earlier as for in_rebuild_months):
        {{ config(**incremental_by_month('month')) }}
        -- depends_on: {{ ref('int_rebuild_months') }}
    and in its body:
        where {{ in_rebuild_months('month') }} -#}
{% macro incremental_by_month(month_column='month', later=0, earlier=0, onward=false, complete_only=false) -%}
    {%- set config = adapter.dispatch('incremental_by_month', 'retention_radar')(month_column) -%}
    {%- do config.update({
        'pre_hook': ["{{ clear_rebuild_months('" ~ month_column ~ "', " ~ later ~ ", " ~ earlier ~ ", "
                     ~ onward ~ ") }}"],
        'post_hook': ["{{ drop_months_after_as_of('" ~ month_column ~ "', " ~ complete_only ~ ") }}"],
        'meta': {'rebuilt_by_month': {'column': month_column, 'later': later, 'earlier': earlier,
                                      'onward': onward}},
    }) -%}
    {{ return(config) }}
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

{#- The months (as 'YYYY-MM-DD' strings) this run rebuilds, each widened by
    `later` months after and `earlier` months before; with onward, every
    month of int_months from the first of them on (for cumulative figures).
    Read when the model runs; empty outside an incremental run. -#}
{% macro rebuild_month_values(later=0, earlier=0, onward=false) -%}
    {%- if not (is_incremental() and execute) -%}{{ return([]) }}{%- endif -%}
    {{ return(month_values_shifted(ref('int_rebuild_months'), ref('int_months'), later, earlier, onward)) }}
{%- endmacro %}

{#- The months of `rebuild` (a relation of months, int_rebuild_months) widened
    as rebuild_month_values describes, read now; months_relation is
    int_months. Also used by the data tests' scope (test_scope.sql). -#}
{% macro month_values_shifted(rebuild, months_relation, later=0, earlier=0, onward=false) -%}
    {%- set shifted -%}
        {%- if onward %}
            select cast(months.month as {{ dbt.type_string() }}) as rebuild_month
            from {{ months_relation }} as months
            where months.month >= (select min(rebuild.month) from {{ rebuild }} as rebuild)
        {%- else -%}
        {%- for shift in range(-earlier, later + 1) %}
            {%- if not loop.first %} union all{% endif %}
            select cast(cast({{ dbt.dateadd('month', shift, 'rebuild.month') }} as date)
                as {{ dbt.type_string() }}) as rebuild_month
            from {{ rebuild }} as rebuild
        {%- endfor %}
        {%- endif %}
    {%- endset -%}
    {%- set result = run_query('select distinct rebuild_month from (' ~ shifted ~ ') as shifted order by 1') -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{#- Predicate for the body of an incremental_by_month model: true for the
    months this run rebuilds, optionally widened by `later` months after and
    `earlier` months before each of them (a model whose month also depends on
    the month before, e.g. previous_grade, passes later=1). Outside an
    incremental run it is `1 = 1`: every month.

    The months are written into the SQL as constants, so every engine prunes
    them in scans and pushes them through views and aggregates. The model
    must declare the dependency on its first lines, because a ref inside
    is_incremental() is not seen when dbt parses:
        -- depends_on: {{ ref('int_rebuild_months') }} -#}
{% macro in_rebuild_months(column, later=0, earlier=0, onward=false) -%}
    {%- if is_incremental() and execute -%}
        {{ month_in(column, rebuild_month_values(later, earlier, onward)) }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- `column in (the months as dates)`, or `1 = 0` for no months. -#}
{% macro month_in(column, months) -%}
    {%- if months | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ column }} in (
        {%- for month in months -%}
            cast('{{ month }}' as date){{ ", " if not loop.last }}
        {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of every incremental_by_month model: on an incremental run,
    removes the rows of the months it is about to rebuild. -#}
{% macro clear_rebuild_months(month_column, later=0, earlier=0, onward=false) -%}
    {{ return(adapter.dispatch('clear_rebuild_months', 'retention_radar')(month_column, later, earlier, onward)) }}
{%- endmacro %}

{% macro default__clear_rebuild_months(month_column, later, earlier, onward) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_rebuild_months(month_column, later, earlier, onward) }}
    {%- endif -%}
{%- endmacro %}

{#- Spark cannot delete from a Parquet table: the partitions are dropped one
    by one and the hook renders empty. -#}
{% macro spark__clear_rebuild_months(month_column, later, earlier, onward) -%}
    {%- for month in rebuild_month_values(later, earlier, onward) -%}
        {%- do run_query('alter table ' ~ this ~ ' drop if exists partition (' ~ month_column
                         ~ " = '" ~ month ~ "')") -%}
    {%- endfor -%}
{%- endmacro %}

{#- Post-hook of every incremental_by_month model: removes the months that
    are no longer in int_months (after a run with an earlier as_of_date), or
    with complete_only no longer complete months. -#}
{% macro drop_months_after_as_of(month_column, complete_only=false) -%}
    {{ return(drop_months_not_in(month_column, 'select month from ' ~ ref('int_months')
                                 ~ (' where is_complete_month' if complete_only else ''))) }}
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

