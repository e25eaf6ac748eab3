{#- Compact Spark implementations of dbt's cross-database date macros.

    dbt-spark 1.11's dateadd, datediff and (through dateadd) last_day wrap
    every argument in assert_not_null/to_unix_timestamp round trips: one
    dbt.last_day(dbt.date_trunc(...)) expands to ~3 KB of SQL, and a view of a
    few of them outgrows what the local Hive metastore (Derby) stores for a
    view's text (32,700 characters). Its datediff('month') also counts two
    months between two month ends one month apart (months_between returns a
    whole number for month ends). These overrides keep dbt's semantics — the
    result types of dbt-spark (dateadd returns a timestamp, last_day a date)
    and datediff = number of datepart boundaries crossed, as on DuckDB and
    PostgreSQL — in one Spark function each. They replace dbt-spark's macros
    for this project only (the root project's implementation wins dispatch). -#}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set units = {'day': 'DAY', 'week': 'WEEK', 'month': 'MONTH', 'quarter': 'QUARTER', 'year': 'YEAR',
                     'hour': 'HOUR', 'minute': 'MINUTE', 'second': 'SECOND',
                     'millisecond': 'MILLISECOND', 'microsecond': 'MICROSECOND'} -%}
    {%- if datepart | lower not in units -%}
        {{ exceptions.raise_compiler_error("dateadd: datepart '" ~ datepart ~ "' is not supported on Spark") }}
    {%- endif -%}
    timestampadd({{ units[datepart | lower] }}, cast(({{ interval }}) as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__last_day(date, datepart) -%}
    {%- if datepart | lower == 'month' -%}
        last_day({{ date }})
    {%- else -%}
        cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set part = datepart | lower -%}
    {%- if part == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif part == 'month' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }}))
    {%- elif part == 'quarter' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 4
            + quarter({{ second_date }}) - quarter({{ first_date }}))
    {%- elif part == 'year' -%}
        (year({{ second_date }}) - year({{ first_date }}))
    {%- elif part in ('hour', 'minute', 'second') -%}
        {%- set seconds = {'hour': 3600, 'minute': 60, 'second': 1}[part] -%}
        cast(floor((unix_timestamp(date_trunc('{{ part }}', {{ second_date }}))
            - unix_timestamp(date_trunc('{{ part }}', {{ first_date }}))) / {{ seconds }}) as bigint)
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff: datepart '" ~ datepart ~ "' is not supported on Spark") }}
    {%- endif -%}
{%- endmacro %}
