{#- Row-level data tests of an incremental_by_month model check the months
    this run wrote, not the whole history again.

    dbt wraps the model a generic data test reads in get_where_subquery; this
    project's version adds, for a model built by incremental_by_month, the
    months the run rebuilt (the same months, widened the same way, as the
    model's in_rebuild_months), unless the run rebuilt everything (a full
    refresh, a first build, a changed fingerprint): then every month is
    tested. Only tests whose verdict on a row depends on that row, or on rows
    of its own month, are narrowed: not_null, accepted_values, relationships
    (the child side), expression_is_true, and unique_combination_of_columns
    when the combination includes the month column. Months a run does not
    rebuild are rows an earlier run wrote and tested; nothing in them
    changed. unique, equal_rowcount and any other test read the whole table.
    A test's own `where` config still applies. Tests of every other model
    read the whole relation.

    `dbt build --full-refresh` (or `dbt test` after it) tests every row. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = rebuilt_months_scope(relation) -%}
    {%- if scope and where -%}
        {%- set where = '(' ~ where ~ ') and ' ~ scope -%}
    {%- elif scope -%}
        {%- set where = scope -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The predicate on the months an incremental_by_month model's run wrote, or
    '' (test everything). Reads the model's meta.rebuilt_by_month (set by
    incremental_by_month), int_changes_since_last_build (was this a full
    rebuild?) and int_rebuild_months. -#}
{% macro rebuilt_months_scope(relation) -%}
    {%- if not execute or relation is string or relation.identifier is not defined -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ns = namespace(spec=none) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
              and (node.alias or node.name) | lower == (relation.identifier or '') | lower
              and (node.schema or '') | lower == (relation.schema or '') | lower -%}
            {%- set ns.spec = (node.config.meta or {}).get('rebuilt_by_month') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.spec is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set test = (model.get('test_metadata') or {}) if model is mapping else {} -%}
    {%- set kwargs = test.get('kwargs') or {} -%}
    {%- if test.get('name') in ['not_null', 'accepted_values', 'relationships', 'expression_is_true'] -%}
        {#- row by row: a row of a month not rebuilt was tested when written -#}
    {%- elif test.get('name') == 'unique_combination_of_columns'
          and ns.spec.column in (kwargs.get('combination_of_columns') or []) -%}
        {#- keys within a month: a duplicate lies inside one rebuilt month -#}
    {%- else -%}
        {#- unique (a duplicate could sit in a month not rebuilt), counts
            compared with other relations, anything else: the whole table -#}
        {{ return('') }}
    {%- endif -%}
    {%- set changes = project_relation('int_changes_since_last_build') -%}
    {%- set rebuild = project_relation('int_rebuild_months') -%}
    {%- set months_relation = project_relation('int_months') -%}
    {%- if changes is none or rebuild is none or months_relation is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set full = run_query("select count(*) from " ~ changes ~ " where change = 'full_rebuild'") -%}
    {%- if full.columns[0].values()[0] | int > 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set months = month_values_shifted(rebuild, months_relation, ns.spec.later, ns.spec.earlier,
                                          ns.spec.onward) -%}
    {{ return(month_in(ns.spec.column, months)) }}
{%- endmacro %}

{#- The relation of a model of this project, from the graph (a test cannot
    ref() a model it does not depend on). None if it is not built yet. -#}
{% macro project_relation(name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(node.database, node.schema, node.alias or name)) }}
{%- endmacro %}
