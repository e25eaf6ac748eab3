{#- Copy every table and view of the given schemas to Parquet files,
    <directory>/<schema>.<relation>/ (one file each), so that a client without
    the engine's driver can read them — pytests/test_engines.py compares the
    Spark build cell by cell with DuckDB and PostgreSQL this way.

    Run: dbt run-operation export_relations --target spark \
             --args '{schemas: [marts], directory: /abs/path}'
    `only` (optional) maps a schema to the relation names to export from it,
    e.g. {intermediate: [int_members]}; other schemas are exported whole.
    Only Spark needs it: DuckDB and PostgreSQL are read with their Python
    clients. -#}
{% macro export_relations(schemas, directory, only=none) -%}
    {{ return(adapter.dispatch('export_relations', 'retention_radar')(schemas, directory, only)) }}
{%- endmacro %}

{% macro default__export_relations(schemas, directory, only) -%}
    {{ exceptions.raise_compiler_error('export_relations is implemented for Spark only; read ' ~ target.type
                                       ~ ' with its own client') }}
{%- endmacro %}

{% macro spark__export_relations(schemas, directory, only) -%}
    {%- set exported = [] -%}
    {%- for schema in schemas -%}
        {%- set tables = run_query('show tables in ' ~ schema) -%}
        {%- for row in tables.rows if not row['isTemporary'] and (only is none or schema not in only or row['tableName'] in only[schema]) -%}
            {%- set name = row['tableName'] -%}
            {% do run_query("insert overwrite directory '" ~ directory ~ "/" ~ schema ~ "." ~ name
                            ~ "' using parquet select /*+ coalesce(1) */ * from " ~ schema ~ "." ~ name) %}
            {%- do exported.append(schema ~ '.' ~ name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ log('exported ' ~ exported | length ~ ' relations to ' ~ directory, info=true) }}
{%- endmacro %}
