{#- One row per member and tenure window k = 1 .. the window containing
    as_of_date. Window k covers [join + w(k-1), join + wk - 1] (w =
    var tenure_window_days); complete when its last day <= as_of_date;
    active with >= 1 purchase in it. Purchases dated before the join date
    fall in no window. -#}
{#- Incremental by window_month (the month of window_start): a nightly run
    rewrites the windows that may hold a day from var rebuild_from_date on,
    those starting in the month of that date less w - 1 days or later. -#}
{%- set reach = var('tenure_window_days') - 1 -%}
{{ config(**incremental_by_month('window_month', days_before=reach)) }}

-- Lint the macros' SQL here too (sqlfluff skips macro files). Off for it: RF06 (rendered
-- relation names are quoted); LT01, CP05, LT09 (dbt's own datediff, type_string and
-- generate_series render trailing spaces, upper-case TEXT and a one-line select).
-- sqlfluff:ignore_templated_areas:False
-- sqlfluff:exclude_rules:AM06,ST06,RF04,RF06,LT01,CP05,LT09
with

members as (

    select * from {{ ref('int_members') }}

),

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

numbers as (

    {{ dbt.generate_series(1200) }}

),

-- The first day of the earliest window month this run writes.
first_window_month as (

    {% set first_day = rebuild_start(days_before=reach) %}
    {% if first_day is not none %}
        select cast('{{ first_day }}' as date) as first_day
    {% else %}
        select cast(null as date) as first_day
    {% endif %}

),

member_current_windows as (

    select
        members.member_id,
        members.tier,
        members.join_date,
        {{ tenure_month('parameters.as_of_date', 'members.join_date') }} as current_tenure_month,
        -- windows ending before the first written month are left as they are
        case
            when first_window_month.first_day is null then 1
            else greatest(1, {{ tenure_month('first_window_month.first_day', 'members.join_date') }})
        end as first_tenure_month,
        parameters.as_of_date

    from members
    cross join parameters
    cross join first_window_month

),

window_spine as (

    select
        member_current_windows.member_id,
        member_current_windows.tier,
        member_current_windows.join_date,
        member_current_windows.as_of_date,
        cast(numbers.generated_number as integer) as tenure_month

    from member_current_windows
    inner join numbers
        on
            member_current_windows.current_tenure_month >= numbers.generated_number
            and member_current_windows.first_tenure_month <= numbers.generated_number

),

windows as (

    select
        member_id,
        tier,
        tenure_month,
        least(tenure_month, {{ var('tenure_max_bucket') }}) as tenure_bucket,
        {%- set window_days = var('tenure_window_days') %}
        cast(
            {{ dbt.dateadd('day', '(tenure_month - 1) * ' ~ window_days, 'join_date') }}
            as date
        ) as window_start,
        cast(
            {{ dbt.dateadd('day', 'tenure_month * ' ~ window_days ~ ' - 1', 'join_date') }}
            as date
        ) as window_end,
        as_of_date

    from window_spine

),

written_windows as (

    select
        windows.*,
        cast({{ dbt.date_trunc('month', 'windows.window_start') }} as date) as window_month

    from windows
    where
        {{ rebuilt_months('windows.window_start', days_before=reach) }}

),

purchases_by_window as (

    select
        daily_purchases.member_id,
        {{ tenure_month('daily_purchases.purchase_date', 'members.join_date') }} as tenure_month,
        sum(daily_purchases.purchases) as purchases,
        sum(daily_purchases.sales) as sales

    from daily_purchases
    inner join members
        on daily_purchases.member_id = members.member_id
    cross join first_window_month
    where
        daily_purchases.purchase_date >= members.join_date
        and (
            first_window_month.first_day is null
            or daily_purchases.purchase_date >= first_window_month.first_day
        )
    group by 1, 2

),

final as (

    select
        windows.member_id,
        windows.tier,
        windows.tenure_month,
        windows.tenure_bucket,
        windows.window_start,
        windows.window_end,
        windows.window_end <= windows.as_of_date as is_complete,
        cast(coalesce(purchases_by_window.purchases, 0) as integer) as purchases,
        cast(coalesce(purchases_by_window.sales, 0) as decimal(18, 2)) as sales,
        coalesce(purchases_by_window.purchases, 0) > 0 as is_active,
        windows.window_month

    from written_windows as windows
    left join purchases_by_window
        on
            windows.member_id = purchases_by_window.member_id
            and windows.tenure_month = purchases_by_window.tenure_month

)

select * from final
