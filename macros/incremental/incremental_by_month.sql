{#- Incremental by month, rebuilt from a date on (SPEC §6, README "Incremental runs").

    The pipeline (radar/pipeline.py) sets var rebuild_from_date for a nightly
    run: the earliest local date that the new landing batches touched (old and
    new versions of every re-sent row, as the loader recorded them) or that a
    moved cut-off touched. An incremental model then deletes every month from
    that date's month on and inserts them again, computed from the same SQL as
    a full build. Without the var (any plain dbt command, a model run alone)
    the model is built whole, like --full-refresh: the table a full build
    gives, always.

    Usage, first line of a model whose rows carry a month column:
        {{ config(**incremental_by_month('month')) }}
    and wherever it reads its inputs:
        where {{ rebuilt_months('month') }}
    days_before widens the rebuild to rows whose month starts up to that many
    days before the date (a tenure window reaches back 29 days); months_before
    lets a model read the month before the first it writes. -#}
{% macro incremental_by_month(month_column, days_before=0) -%}
    {%- set config = adapter.dispatch('incremental_by_month', 'retention_radar')(month_column) -%}
    {%- do config.update({
        'on_schema_change': 'fail',
        'full_refresh': true if run_var('rebuild_from_date') is none else none,
        'pre_hook': ["{{ clear_months_from('" ~ month_column ~ "', " ~ days_before ~ ") }}"],
    }) -%}
    {{ return(config) }}
{%- endmacro %}

{% macro default__incremental_by_month(month_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'append'}) }}
{%- endmacro %}

{#- Spark has no delete on a Parquet table: month partitions are overwritten
    (dbt-spark's insert_overwrite, dynamic partitions) and the pre-hook drops
    the ones the run rebuilds first. Partition columns go last in a Spark
    table's column list; read columns by name. -#}
{% macro spark__incremental_by_month(month_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
               'partition_by': [month_column], 'file_format': 'parquet'}) }}
{%- endmacro %}

{#- The first day of the month of var rebuild_from_date (less days_before
    days, then months_before months earlier), as 'YYYY-MM-DD'; none without
    the var. -#}
{% macro rebuild_month(days_before=0, months_before=0) -%}
    {%- set start = run_var('rebuild_from_date') -%}
    {%- if start is none -%}{{ return(none) }}{%- endif -%}
    {%- set day = modules.datetime.date.fromisoformat(start | string)
                  - modules.datetime.timedelta(days=days_before) -%}
    {%- set months = day.year * 12 + day.month - 1 - months_before -%}
    {{ return(modules.datetime.date(months // 12, months % 12 + 1, 1).isoformat()) }}
{%- endmacro %}

{#- The first day of the first month an incremental run rebuilds, as
    'YYYY-MM-DD', or none (the model is built whole). -#}
{% macro rebuild_start(days_before=0, months_before=0) -%}
    {#- the var first: is_incremental() needs a relation, which a unit test
        without the var does not have -#}
    {%- if run_var('rebuild_from_date') is none or not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {{ return(rebuild_month(days_before, months_before)) }}
{%- endmacro %}

{#- Predicate for the rows a data test of a month-incremental table checks
    (test unique_combination_of_columns, argument rebuilt_month): in a nightly
    run (var rebuild_from_date, no --full-refresh) the months the run rewrote,
    from the month of that date less the model's days_before on; `1 = 1`
    otherwise. Only for a key that holds the month: a duplicate then lies
    within one month, and the months a run keeps were tested by the run that
    wrote them (a failed run leaves the warehouse as it was). -#}
{% macro tested_months(month_column, days_before=0) -%}
    {{ months_from(month_column, none if flags.FULL_REFRESH else rebuild_month(days_before)) }}
{%- endmacro %}

{#- The month ends member_segment_history's inputs compute (a relation for
    the macros member_snapshot_facts and member_snapshots): in a nightly run
    (var rebuild_from_date, no --full-refresh) those from the month before
    the rebuild start's month on (the first rebuilt month's previous_segment),
    else every one of int_member_month_end_dates. Read only by ephemeral
    models, compiled into member_segment_history in the same run: a view
    would keep the filter of the run that created it. -#}
{% macro month_end_dates() -%}
    {%- set first = none if flags.FULL_REFRESH else rebuild_month(months_before=1) -%}
    {%- if first is none -%}{{ return(ref('int_member_month_end_dates')) }}{%- endif -%}
    {{ return("(select * from " ~ ref('int_member_month_end_dates') ~ " where "
              ~ months_from('snapshot_month', first) ~ ") as month_end_dates") }}
{%- endmacro %}

{#- Predicate for the rows an incremental run recomputes: `column` (a date)
    on or after rebuild_start; `1 = 1` when the model is built whole. -#}
{% macro rebuilt_months(column, days_before=0, months_before=0) -%}
    {{ months_from(column, rebuild_start(days_before, months_before)) }}
{%- endmacro %}

{#- `column` (a date) on or after `start` ('YYYY-MM-DD'); `1 = 1` when start
    is none: the one comparison behind every predicate above. -#}
{% macro months_from(column, start) -%}
    {%- if start is none -%}
        1 = 1
    {%- else -%}
        {{ column }} >= cast('{{ start }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: before an incremental run inserts its months, remove them (and
    every later month, e.g. months after a cut-off that moved back). -#}
{% macro clear_months_from(month_column, days_before) -%}
    {%- set start = rebuild_start(days_before) -%}
    {%- if start is not none -%}
        {{ return(adapter.dispatch('clear_months_from', 'retention_radar')(month_column, start)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__clear_months_from(month_column, start) -%}
    delete from {{ this }} where {{ months_from(month_column, start) }}
{%- endmacro %}

{#- The hook renders empty: the partitions are dropped one by one here. -#}
{% macro spark__clear_months_from(month_column, start) -%}
    {%- if execute -%}
        {%- set stale = run_query('select distinct ' ~ month_column ~ ' from ' ~ this ~ ' where '
                                  ~ months_from(month_column, start)) -%}
        {%- for row in stale.rows -%}
            {%- do run_query('alter table ' ~ this ~ ' drop if exists partition (' ~ month_column
                             ~ " = '" ~ row[0] ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
