{#- A fingerprint of everything besides the landing data that decides the
    contents of the incremental models: the SQL of every model and macro of
    this project, every seed file and every var except as_of_date (which the
    change detection handles by itself). int_build_state stores it; when the
    next run's fingerprint differs (a model, a seed or a threshold changed),
    int_changes_since_last_build asks for every month to be rebuilt, so an
    incremental run never mixes months computed under two definitions. -#}
{% macro build_fingerprint() -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ['model', 'seed'] and node.package_name == project_name -%}
                {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for macro in (graph.get('macros') or {}).values() | sort(attribute='unique_id') -%}
            {%- if macro.package_name == project_name -%}
                {%- do parts.append(macro.unique_id ~ '=' ~ local_md5(macro.macro_sql)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for name in fingerprint_vars() -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {{- return(local_md5(parts | join('|'))) -}}
{%- endmacro %}

{#- Every var of dbt_project.yml that shapes model contents, but as_of_date. -#}
{% macro fingerprint_vars() -%}
    {{ return([
        'business_timezone', 'tenure_window_days', 'tenure_max_bucket', 'min_group_size',
        'category_gap_tolerance', 'churn_after_days', 'decline_after_days', 'spend_drop_min_base',
        'spend_drop_threshold', 'rfm_window_days', 'activation_alert_days',
        'activation_alert_max_days', 'mentor_capacity', 'handover_window_days',
    ]) }}
{%- endmacro %}

{#- The models built incrementally by month (macro incremental_by_month).
    int_build_state depends on all of them, so it is written only after they
    all succeeded; int_changes_since_last_build asks for a rebuild of every
    month when one of them is missing. -#}
{% macro incremental_models() -%}
    {{ return([
        'int_orders', 'int_member_daily_purchases',
        'int_member_monthly_purchases', 'int_member_monthly_category_sales',
        'int_member_tenure_windows', 'fct_member_tenure_windows', 'int_group_month_rosters',
        'int_mentor_month_rosters',
        'int_platform_month_outputs', 'int_platform_month_category_outputs', 'group_health_monthly', 'group_category_output_monthly', 'mentor_category_output_monthly',
        'mentor_scorecard_monthly', 'member_segment_history',
    ]) }}
{%- endmacro %}
