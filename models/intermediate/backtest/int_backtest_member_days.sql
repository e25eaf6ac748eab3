{#- One row per member and day (member_id, snapshot_date) the backtest
    evaluates her member alerts on: the days of a cut-off's window
    [c − 29, c] on which any input of her alerts can change (event days),
    and the day before her first event day of the window (previous_segment
    comes from member_segment_history). previous_evaluation_date,
    on an event day: her previous event day in the window, or the day before
    the first; is_new compares the alerts of the two days.

    Between two event days every input of the five member alerts (SPEC §5.5)
    is the same as the day before, so no alert can be new there, and the
    alerts of the day before an event day are those of her previous event
    day: the backtest evaluates about a sixth of the member-days of the
    whole window with the same result. Event days, from the seeds and vars:
    a purchase day p and p + (r_high_max_days + 1, rfm_window_days,
    2 × rfm_window_days, decline_after_days + 1, churn_after_days + 1,
    decline_after_days + each recall_cadence day), the offsets that count
    from her last purchase day (all but the spend windows') only while p is
    still her last purchase day; the join day j and
    j + (each activation alert day, churn_after_days + 1); the first day of
    each month. Under RFM method `mean` the flags move with the other members
    every day, and with var backtest_evaluate_every_day (the check that this
    gives the same result): every window day is an event day. -#}
{{ config(materialized='table') }}
{%- set alert_steps = (var('activation_alert_max_days') // var('activation_alert_days')) | int %}

with

cutoffs as (

    select * from {{ ref('int_backtest_cutoffs') }}

),

members as (

    select * from {{ ref('int_members') }}

),

daily_purchases as (

    select * from {{ ref('int_member_daily_purchases') }}

),

thresholds as (

    select * from {{ ref('rfm_thresholds') }}

),

recall_cadence as (

    select * from {{ ref('recall_cadence') }}

),

window_numbers as (

    {{ dbt.generate_series(var('backtest_alert_window_days')) }}

),

activation_numbers as (

    {{ dbt.generate_series(alert_steps) }}

),

window_days as (

    select distinct
        cast({{ dbt.dateadd('day', '1 - window_numbers.generated_number', 'cutoffs.cutoff_date') }} as date)
            as evaluation_date

    from cutoffs
    cross join window_numbers

),

-- Days after a purchase day on which an alert input can change: the
-- 30-day spend windows move on for every purchase day (is_recency false);
-- the recency thresholds and recall days (is_recency true) only while it is
-- still her last purchase day.
purchase_offsets as (

    select
        0 as offset_days,
        false as is_recency
    union all
    select
        {{ var('rfm_window_days') }} as offset_days,
        false as is_recency
    union all
    select
        2 * {{ var('rfm_window_days') }} as offset_days,
        false as is_recency
    union all
    select
        r_high_max_days + 1 as offset_days,
        true as is_recency
    from thresholds
    union all
    select
        {{ var('decline_after_days') }} + 1 as offset_days,
        true as is_recency
    union all
    select
        {{ var('churn_after_days') }} + 1 as offset_days,
        true as is_recency
    union all
    select
        {{ var('decline_after_days') }} + days_after_decline as offset_days,
        true as is_recency
    from recall_cadence

),

join_offsets as (

    select 0 as offset_days
    union all
    select {{ var('churn_after_days') }} + 1 as offset_days
    union all
    select generated_number * {{ var('activation_alert_days') }} as offset_days from activation_numbers

),

largest_offset as (

    select max(purchase_offsets.offset_days) as max_offset_days

    from purchase_offsets

),

window_range as (

    select
        min(window_days.evaluation_date) as first_day,
        max(window_days.evaluation_date) as last_day

    from window_days

),

every_day_is_an_event as (

    select
        {{ 'true' if var('backtest_evaluate_every_day') else 'false' }} or count(*) > 0 as is_every_day

    from thresholds
    where method != 'fixed'

),

-- The window days that are event days for every member: the first day of
-- each month (or every day).
days_for_everyone as (

    select window_days.evaluation_date

    from window_days
    cross join every_day_is_an_event
    where
        every_day_is_an_event.is_every_day
        or window_days.evaluation_date = cast({{ dbt.date_trunc('month', 'window_days.evaluation_date') }} as date)

),

-- Her purchase days that can cause an event day in the windows, each with
-- her next purchase day (null when none up to the windows' last day).
recent_purchases as (

    select
        daily_purchases.member_id,
        daily_purchases.purchase_date,
        lead(daily_purchases.purchase_date) over (
            partition by daily_purchases.member_id
            order by daily_purchases.purchase_date
        ) as next_purchase_date

    from daily_purchases
    cross join window_range
    cross join largest_offset
    where
        daily_purchases.purchase_date <= window_range.last_day
        and daily_purchases.purchase_date
        >= cast({{ dbt.dateadd('day', '-largest_offset.max_offset_days', 'window_range.first_day') }} as date)

),

-- A recency offset of a purchase day p is no event day once she bought
-- again on p + 1 … p + offset: on that day her recency counts from a later
-- purchase day, whose own offsets are its event days.
member_events as (

    select
        recent_purchases.member_id,
        cast({{ dbt.dateadd('day', 'purchase_offsets.offset_days', 'recent_purchases.purchase_date') }} as date)
            as event_date

    from recent_purchases
    cross join purchase_offsets
    where
        not purchase_offsets.is_recency
        or recent_purchases.next_purchase_date is null
        or recent_purchases.next_purchase_date
        > cast({{ dbt.dateadd('day', 'purchase_offsets.offset_days', 'recent_purchases.purchase_date') }} as date)

    union all

    select
        members.member_id,
        cast({{ dbt.dateadd('day', 'join_offsets.offset_days', 'members.join_date') }} as date) as event_date

    from members
    cross join join_offsets

    union all

    select
        members.member_id,
        days_for_everyone.evaluation_date as event_date

    from members
    inner join days_for_everyone
        on members.join_date <= days_for_everyone.evaluation_date

),

-- Runs of consecutive window days (the windows of the cut-offs built
-- together may touch, overlap or leave days between them): an event day is
-- compared with the previous one only within its run.
numbered_window_days as (

    select
        evaluation_date,
        row_number() over (order by evaluation_date) as day_number

    from window_days

),

window_runs as (

    select
        evaluation_date,
        cast({{ dbt.dateadd('day', '-day_number', 'evaluation_date') }} as date) as run_key

    from numbered_window_days

),

event_days as (

    select distinct
        member_events.member_id,
        member_events.event_date,
        window_runs.run_key

    from member_events
    inner join window_runs
        on member_events.event_date = window_runs.evaluation_date

),

-- Her event days, each with her previous event day in the same run (none for the first).
compared_days as (

    select
        member_id,
        event_date as snapshot_date,
        lag(event_date) over (partition by member_id, run_key order by event_date) as previous_event_date

    from event_days

),

-- An event day is compared with her previous event day, the first with the
-- day before it (the baseline, evaluated too).
evaluated_days as (

    select
        member_id,
        snapshot_date,
        1 as is_event_day,
        coalesce(
            previous_event_date,
            cast({{ dbt.dateadd('day', -1, 'snapshot_date') }} as date)
        ) as previous_evaluation_date

    from compared_days

    union all

    select
        member_id,
        cast({{ dbt.dateadd('day', -1, 'snapshot_date') }} as date) as snapshot_date,
        0 as is_event_day,
        cast(null as date) as previous_evaluation_date

    from compared_days
    where previous_event_date is null

),

-- Days before her join are kept: the member_snapshot_facts spine drops them.
final as (

    select
        member_id,
        snapshot_date,
        max(is_event_day) = 1 as is_event_day,
        max(previous_evaluation_date) as previous_evaluation_date

    from evaluated_days
    group by 1, 2

)

select * from final
