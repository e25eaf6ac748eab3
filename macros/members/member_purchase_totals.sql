{#- Each member's purchase totals on each snapshot date, the date its
    cut-off (SPEC §5.4 recency and history): purchases and sales dated on or
    before it, her first purchase day and her last one on or before it. One
    row per member and date with a purchase by then; part of
    member_snapshot_facts.

    snapshot_dates: a relation of snapshot dates; member_days (optional): a
    relation of (member_id, snapshot_date) pairs on those dates, joined per
    member instead of per date (the backtest's member-days). -#}
{% macro member_purchase_totals(snapshot_dates, member_days=none) %}
with

purchase_history as (

    select * from {{ ref('int_member_daily_purchases') }}

),

opening_cutoff as (

    select min(snapshot_date) as first_snapshot_date from {{ snapshot_dates }}

),

-- Purchases dated before the first snapshot date only feed the running
-- totals: one opening row per member carries them, so a run that needs only
-- recent snapshot dates does not walk every member's history day by day.
opening_purchases as (

    select
        purchase_history.member_id,
        max(purchase_history.purchase_date) as purchase_date,
        min(purchase_history.purchase_date) as first_purchase_date,
        sum(purchase_history.purchases) as purchases,
        sum(purchase_history.sales) as sales

    from purchase_history
    cross join opening_cutoff
    where purchase_history.purchase_date < opening_cutoff.first_snapshot_date
    group by 1

),

purchase_days as (

    select
        member_id,
        purchase_date,
        first_purchase_date,
        purchases,
        sales

    from opening_purchases

    union all

    select
        purchase_history.member_id,
        purchase_history.purchase_date,
        purchase_history.purchase_date as first_purchase_date,
        purchase_history.purchases,
        purchase_history.sales

    from purchase_history
    cross join opening_cutoff
    where purchase_history.purchase_date >= opening_cutoff.first_snapshot_date

),

-- Running totals per member over her purchase days; each purchase day's
-- totals hold from that day until the day before her next purchase day.
running_totals as (

    select
        member_id,
        purchase_date,
        min(first_purchase_date) over (partition by member_id) as first_purchase_date,
        sum(purchases) over (
            partition by member_id
            order by purchase_date
            rows between unbounded preceding and current row
        ) as purchases_total,
        sum(sales) over (
            partition by member_id
            order by purchase_date
            rows between unbounded preceding and current row
        ) as sales_total,
        lead(purchase_date) over (
            partition by member_id
            order by purchase_date
        ) as next_purchase_date

    from purchase_days

),

-- The totals on a snapshot date: those of the member's last purchase day on
-- or before it (a join on the few snapshot dates, not on the members).
snapshot_totals as (

    select
        running_totals.member_id,
        snapshot_dates.snapshot_date,
        running_totals.purchases_total,
        running_totals.sales_total,
        running_totals.first_purchase_date,
        running_totals.purchase_date as last_purchase_date

    from running_totals
    {%- if member_days is not none %}
    inner join {{ member_days }} as snapshot_dates
        on
            running_totals.member_id = snapshot_dates.member_id
            and running_totals.purchase_date <= snapshot_dates.snapshot_date
    {%- else %}
    inner join {{ snapshot_dates }} as snapshot_dates
        on
            running_totals.purchase_date <= snapshot_dates.snapshot_date
    {%- endif %}
            and (
                running_totals.next_purchase_date is null
                or running_totals.next_purchase_date > snapshot_dates.snapshot_date
            )

)

select * from snapshot_totals
{% endmacro %}
