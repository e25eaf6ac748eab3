{#- A DuckDB type name in the engine's spelling, for casts in model SQL
    (`cast(x as {{ engine_data_type('varchar') }})`): PostgreSQL has no
    `double`, Spark refuses a varchar without a length.

    Model contracts and seed column_types need no macro: they take these
    names from the vars type_double and type_string of dbt_project.yml
    (docs/engines.md, "Type names"). -#}
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
