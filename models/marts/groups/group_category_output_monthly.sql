{#- Incremental by month: a run rewrites the months of int_rebuild_months. -#}
{{ config(**incremental_by_month('month')) }}
-- depends_on: {{ ref('int_rebuild_months') }}
{# The SELECT is shared with mentor_category_output_monthly (macros/groups/category_output_monthly.sql). #}
{{ category_output_monthly(ref('int_group_month_rosters'), ['group_id', 'mentor_id']) }}
