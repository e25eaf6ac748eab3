{#- Text renderings for messages (early_warnings.message_zh).

    format_number(expr, scale): the number rounded to `scale` decimals (by the
    cast to decimal) as text, e.g. 1234.5 with scale 2 -> '1234.50'; null stays null.
    format_month(expr): a date as its 'YYYY-MM' month. -#}
{% macro format_number(expr, scale) -%}
    {{ return(adapter.dispatch('format_number', 'retention_radar')(expr, scale)) }}
{%- endmacro %}

{% macro default__format_number(expr, scale) -%}
    cast(cast({{ expr }} as decimal(38, {{ scale }})) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro format_month(expr) -%}
    {{ return(adapter.dispatch('format_month', 'retention_radar')(expr)) }}
{%- endmacro %}

{% macro default__format_month(expr) -%}
    substr(cast({{ expr }} as {{ dbt.type_string() }}), 1, 7)
{%- endmacro %}
