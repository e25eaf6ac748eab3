{#- Incremental by month (macro incremental_by_month): a nightly run rewrites
    the months from var rebuild_from_date on. -#}
{{ config(**incremental_by_month('month')) }}
-- Lint the macro's SQL here too (sqlfluff skips macro files; RF06: rendered relation names are quoted):
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:ambiguous.column_references,structure.column_order,references.keywords,references.quoting
{# The SELECT is shared with mentor_category_output_monthly (macros/groups/category_output_monthly.sql). #}
{{ category_output_monthly(['group_id', 'mentor_id']) }}
