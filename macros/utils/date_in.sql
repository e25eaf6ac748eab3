{#- `column in (the dates as date literals)`, or `1 = 0` for no dates. -#}
{% macro date_in(column, dates) -%}
    {%- if dates | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ column }} in (
        {%- for day in dates -%}
            cast('{{ day }}' as date){{ ", " if not loop.last }}
        {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
