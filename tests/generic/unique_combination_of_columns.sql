{% test unique_combination_of_columns(model, combination_of_columns, rebuilt_month=none, days_before=0) %}
{#- Fails with one row per combination of the columns that occurs more than once.
    rebuilt_month: the month column of a month-incremental table, one of the
    columns: a nightly run then checks only the months it rebuilt (macro
    tested_months); days_before: the model's own (incremental_by_month), so
    that the test reads every month the run rewrote. -#}
{%- if rebuilt_month is not none and rebuilt_month not in combination_of_columns -%}
    {{ exceptions.raise_compiler_error("unique_combination_of_columns: rebuilt_month " ~ rebuilt_month
                                       ~ " must be one of the columns " ~ combination_of_columns | join(', ')) }}
{%- endif %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
{%- if rebuilt_month is not none %}
where {{ tested_months(rebuilt_month, days_before | int) }}
{%- endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
