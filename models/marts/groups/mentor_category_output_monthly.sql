{#- Incremental by month: a run rewrites the months of int_rebuild_months. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}
{# The SELECT is shared with group_category_output_monthly (macros/groups/category_output_monthly.sql). #}
{{ category_output_monthly(ref('int_mentor_month_rosters'), ['mentor_id']) }}
