{#- Member purchase facts on each of a set of snapshot dates, each date its
    own cut-off: the one definition behind int_member_snapshot_facts (today
    and yesterday), int_member_month_end_facts (the month ends
    member_segment_history rebuilds) and the backtest's member-days
    (int_backtest_member_snapshot_facts).

    One row per member and snapshot date (member_id, snapshot_date) for the
    members joined by that date: purchases dated on or before it (totals,
    first and last purchase, recency), the two RFM windows, days since
    joining and tenure month.

    snapshot_dates: a relation with one row per snapshot_date.
    member_dates (optional): a relation of (member_id, snapshot_date) pairs
    on those dates: only these members on these days (the backtest's event
    days), with the purchases joined per member instead of per date. -#}
{% macro member_snapshot_facts(snapshot_dates, member_dates=none) %}
with

snapshot_dates as (

    select * from {{ snapshot_dates }}

),

members as (

    select * from {{ ref('int_members') }}

),

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),
{%- if member_dates is not none %}

member_dates as (

    select * from {{ member_dates }}

),
{%- endif %}

spine as (

    select
        members.member_id,
        members.tier,
        members.join_date,
        snapshot_dates.snapshot_date

    from members
    {%- if member_dates is not none %}
    inner join member_dates as snapshot_dates
        on
            members.member_id = snapshot_dates.member_id
            and members.join_date <= snapshot_dates.snapshot_date
    {%- else %}
    inner join snapshot_dates
        on members.join_date <= snapshot_dates.snapshot_date
    {%- endif %}

),

{%- if member_dates is not none %}

first_snapshot as (

    select min(snapshot_date) as first_snapshot_date from snapshot_dates

),
{%- endif %}

-- Her totals on each date: purchases, sales, first and last purchase day
-- on or before it (macro member_purchase_totals).
purchase_totals as (

    {{ member_purchase_totals('snapshot_dates', 'spine' if member_dates is not none else none) | indent(4) }}

),

-- The two RFM windows: [s - 29, s] and [s - 59, s - 30] (30 = rfm_window_days).
window_purchases as (

    select
        daily_purchases.member_id,
        snapshot_dates.snapshot_date,
        sum(
            case
                when daily_purchases.purchase_date
                    > {{ dbt.dateadd('day', -var('rfm_window_days'), 'snapshot_dates.snapshot_date') }}
                    then daily_purchases.purchases
                else 0
            end
        ) as frequency_30d,
        sum(
            case
                when daily_purchases.purchase_date
                    > {{ dbt.dateadd('day', -var('rfm_window_days'), 'snapshot_dates.snapshot_date') }}
                    then daily_purchases.sales
                else 0
            end
        ) as monetary_30d,
        sum(
            case
                when daily_purchases.purchase_date
                    <= {{ dbt.dateadd('day', -var('rfm_window_days'), 'snapshot_dates.snapshot_date') }}
                    then daily_purchases.sales
                else 0
            end
        ) as monetary_prev_30d

    from daily_purchases
    {%- if member_dates is not none %}
    cross join first_snapshot
    inner join spine as snapshot_dates
        on
            daily_purchases.member_id = snapshot_dates.member_id
            and daily_purchases.purchase_date <= snapshot_dates.snapshot_date
            and daily_purchases.purchase_date
            > {{ dbt.dateadd('day', -2 * var('rfm_window_days'), 'snapshot_dates.snapshot_date') }}
    -- per member: only the purchases any of the dates can need
    where
        daily_purchases.purchase_date
        > {{ dbt.dateadd('day', -2 * var('rfm_window_days'), 'first_snapshot.first_snapshot_date') }}
    {%- else %}
    inner join snapshot_dates
        on
            daily_purchases.purchase_date <= snapshot_dates.snapshot_date
            and daily_purchases.purchase_date
            > {{ dbt.dateadd('day', -2 * var('rfm_window_days'), 'snapshot_dates.snapshot_date') }}
    {%- endif %}
    group by 1, 2

),

joined as (

    select
        spine.member_id,
        spine.snapshot_date,
        spine.tier,
        spine.join_date,
        coalesce(purchase_totals.purchases_total, 0) > 0 as has_purchase,
        purchase_totals.first_purchase_date,
        purchase_totals.last_purchase_date,
        {{
            dbt.datediff('purchase_totals.last_purchase_date', 'spine.snapshot_date', 'day')
        }} as recency_days,
        coalesce(purchase_totals.purchases_total, 0) as purchases_total,
        cast(coalesce(purchase_totals.sales_total, 0) as decimal(18, 2)) as sales_total,
        coalesce(window_purchases.frequency_30d, 0) as frequency_30d,
        cast(coalesce(window_purchases.monetary_30d, 0) as decimal(18, 2)) as monetary_30d,
        cast(coalesce(window_purchases.monetary_prev_30d, 0) as decimal(18, 2)) as monetary_prev_30d

    from spine
    left join purchase_totals
        on
            spine.member_id = purchase_totals.member_id
            and spine.snapshot_date = purchase_totals.snapshot_date
    left join window_purchases
        on
            spine.member_id = window_purchases.member_id
            and spine.snapshot_date = window_purchases.snapshot_date

),

with_tenure as (

    select
        *,
        {{ dbt.datediff('join_date', 'snapshot_date', 'day') }} as days_since_join,  -- noqa: LT05
        {{ tenure_month('snapshot_date', 'join_date') }} as tenure_month  -- noqa: LT05

    from joined

)

select * from with_tenure
{% endmacro %}
