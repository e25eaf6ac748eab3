{% test expression_is_true(model, expression, where_clause=none) %}
{#- Fails with every row for which the boolean SQL expression is not true. -#}
select *
from {{ model }}
where not ({{ expression }})
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
