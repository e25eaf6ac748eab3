{#- ordered_listagg(measure, delimiter_text, order_by): the group's values of
    `measure` joined by `delimiter_text` (a SQL string literal) in the order of
    the single expression `order_by` (ties: any order, so give a unique key).
    dbt.listagg on every engine but Spark, whose listagg ignores the order:
    there the values are sorted by (order_by, value) structs. -#}
{% macro ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'retention_radar')(measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct('sort_key', {{ order_by }}, 'value', {{ measure }}))),
            item -> item.value
        ),
        {{ delimiter_text }}
    )
{%- endmacro %}
