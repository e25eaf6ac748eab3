{#- `column in (the dates as date literals)`, or `false` for no dates. -#}
{% macro date_in(column, dates) -%}
    {%- if dates | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in (
        {%- for day in dates -%}
            cast('{{ day }}' as date){{ ", " if not loop.last }}
        {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
