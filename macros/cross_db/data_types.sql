{#- Column data types, written once for every engine.

    Contracts (`data_type:` in the _*__models.yml files) and seed column types
    (`+column_types` in dbt_project.yml, seeds/*.yml) are written in DuckDB's
    spelling: varchar, integer, bigint, double, decimal(p, s), date,
    timestamp, boolean. No one spelling of a 64-bit float or of an unsized
    string works on all three engines — PostgreSQL has no `double`, Spark has
    no `double precision` and refuses a varchar without a length — so the
    names are translated here, per engine, where dbt turns them into SQL:

    - the contract check (dbt's get_empty_schema_sql: `cast(null as <type>)`),
    - the table DDL PostgreSQL writes for a contracted table
      (dbt's get_table_columns_and_constraints; DuckDB takes every spelling),
    - the seed tables Spark creates and fills (dbt-spark's create_csv_table
      and load_csv_rows).

    Spark builds contracted parquet tables with CTAS (no column DDL) and does
    not support `not null` constraints on them: dbt-spark only checks the
    contract there, and not-null is a data test. -#}
{% macro engine_data_type(data_type) -%}
    {{ return(adapter.dispatch('engine_data_type', 'retention_radar')(data_type)) }}
{%- endmacro %}

{% macro default__engine_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro postgres__engine_data_type(data_type) -%}
    {%- set names = {'double': 'double precision', 'string': 'text'} -%}
    {{ return(names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{% macro spark__engine_data_type(data_type) -%}
    {%- set names = {'varchar': 'string', 'text': 'string', 'double precision': 'double', 'float8': 'double'} -%}
    {{ return(names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{#- A copy of contract columns {name: {data_type, ...}} with engine types. -#}
{% macro engine_columns(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = dict(column) -%}
        {%- if copy.get('data_type') -%}
            {%- do copy.update({'data_type': engine_data_type(copy['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(translated) }}
{%- endmacro %}

{#- A copy of a seed node whose config.column_types have engine types. -#}
{% macro seed_with_engine_types(model) -%}
    {%- set types = {} -%}
    {%- for name, data_type in model['config'].get('column_types', {}).items() -%}
        {%- do types.update({name: engine_data_type(data_type)}) -%}
    {%- endfor -%}
    {%- set config = dict(model['config']) -%}
    {%- do config.update({'column_types': types}) -%}
    {%- set copy = dict(model) -%}
    {%- do copy.update({'config': config}) -%}
    {{ return(copy) }}
{%- endmacro %}

{#- Overrides of dbt's dispatched macros for the engines whose type names
    differ from DuckDB's (the root project's implementation wins dispatch). -#}
{% macro postgres__get_empty_schema_sql(columns) -%}
    {{ return(dbt.default__get_empty_schema_sql(engine_columns(columns))) }}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    {{ return(dbt.default__get_empty_schema_sql(engine_columns(columns))) }}
{%- endmacro %}

{% macro postgres__get_table_columns_and_constraints() -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(
        raw_columns=engine_columns(model['columns'])) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=model['constraints']) -%}
    (
    {% for c in raw_column_constraints -%}
      {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(seed_with_engine_types(model), agate_table)) }}
{%- endmacro %}

{#- dbt-spark 1.11 binds seed values as '<value>' strings on the session
    method: an empty cell (None) arrives as the text 'None' and a quote breaks
    the statement. Seed rows are written as escaped literals instead. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set seed = seed_with_engine_types(model) -%}
    {%- set column_override = seed['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ types[loop.index0] }})
                    {%- else -%}
                        cast('{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}' as {{ types[loop.index0] }})
                    {%- endif -%}
                    {{- ", " if not loop.last -}}
                {%- endfor -%}){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
