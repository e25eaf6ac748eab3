{#- Incremental by month: a run rewrites the months of int_rebuild_months. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}
-- Lint the macro's SQL here too (sqlfluff skips macro files; RF06: rendered relation names are quoted):
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:ambiguous.column_references,structure.column_order,references.keywords,references.quoting
{# The SELECT is shared with mentor_category_output_monthly (macros/groups/category_output_monthly.sql). #}
{{ category_output_monthly(ref('int_group_month_rosters'), ['group_id', 'mentor_id']) }}
