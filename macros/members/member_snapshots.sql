{#- RFM flags, scores and segment, lifecycle stage and spend-drop flag (SPEC
    §5.4), each with the snapshot date as the cut-off, over
    member_snapshot_facts: the one definition behind int_member_snapshots
    (member_segments, the member warnings), int_member_month_end_snapshots
    (member_segment_history) and the backtest's member-days.

    One row per member and snapshot date (member_id, snapshot_date).
    facts: the member_snapshot_facts relation; snapshot_dates: its dates.
    previous_segments: member_segment_history, for the segment on the
    previous month end (previous_segment, its rank and name, and whether it
    is an RFM segment); none leaves those columns out (member_segment_history
    takes its own previous month's row). with_rfm_scores=false leaves out
    r/f/m_score (each ranks a member among all members of the day:
    meaningless where only some members are evaluated on a day, and the
    costliest joins here). -#}
{% macro member_snapshots(facts, snapshot_dates, previous_segments=none, with_rfm_scores=true) %}
with

facts as (

    select * from {{ facts }}

),

snapshot_dates as (

    select * from {{ snapshot_dates }}

),

thresholds as (

    select * from {{ ref('rfm_thresholds') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

-- Means over the members with at least one purchase, for method `mean`.
buyer_means as (

    select
        snapshot_date,
        avg(cast(recency_days as {{ type_double() }})) as mean_recency_days,
        avg(cast(frequency_30d as {{ type_double() }})) as mean_frequency_30d,
        cast(sum(monetary_30d) as {{ type_double() }}) / count(monetary_30d) as mean_monetary_30d

    from facts
    where has_purchase
    group by 1

),

flagged as (

    select
        facts.*,
        case
            when not facts.has_purchase then null
            when thresholds.method = 'mean'
                then facts.recency_days < buyer_means.mean_recency_days
            else facts.recency_days <= thresholds.r_high_max_days
        end as r_high,
        case
            when not facts.has_purchase then false
            when thresholds.method = 'mean'
                then facts.frequency_30d > buyer_means.mean_frequency_30d
            else facts.frequency_30d >= thresholds.f_high_min_orders
        end as f_high,
        case
            when not facts.has_purchase then false
            when thresholds.method = 'mean'
                then facts.monetary_30d > buyer_means.mean_monetary_30d
            else facts.monetary_30d >= thresholds.m_high_min_amount
        end as m_high,
        facts.monetary_prev_30d >= {{ var('spend_drop_min_base') }}
        and facts.monetary_30d
        < (1 - {{ var('spend_drop_threshold') }}) * facts.monetary_prev_30d as is_spend_drop

    from facts
    cross join thresholds
    left join buyer_means
        on facts.snapshot_date = buyer_means.snapshot_date

),

{%- if with_rfm_scores %}

-- Score = 1 + floor(5 w / n) among members with a purchase, w = how many
-- have a strictly worse value. w comes from counts per distinct value (a
-- running sum over the few distinct values of a day), not from ranking
-- every member.
{%- for score, column, worse_first in [('r', 'recency_days', 'desc'),
                                       ('f', 'frequency_30d', 'asc'),
                                       ('m', 'monetary_30d', 'asc')] %}

{{ score }}_value_counts as (

    select
        snapshot_date,
        {{ column }},
        count(*) as buyers_with_value

    from facts
    where has_purchase
    group by 1, 2

),

{{ score }}_worse as (

    select
        snapshot_date,
        {{ column }},
        sum(buyers_with_value) over (
            partition by snapshot_date
            order by {{ column }} {{ worse_first }}
            rows between unbounded preceding and current row
        ) - buyers_with_value as {{ score }}_worse

    from {{ score }}_value_counts

),
{%- endfor %}

buyer_counts as (

    select
        snapshot_date,
        count(*) as buyers

    from facts
    where has_purchase
    group by 1

),

ranked as (

    select
        flagged.*,
        buyer_counts.buyers,
        r_worse.r_worse,
        f_worse.f_worse,
        m_worse.m_worse

    from flagged
    left join buyer_counts
        on
            flagged.has_purchase
            and flagged.snapshot_date = buyer_counts.snapshot_date
    left join r_worse
        on
            flagged.has_purchase
            and flagged.snapshot_date = r_worse.snapshot_date
            and flagged.recency_days = r_worse.recency_days
    left join f_worse
        on
            flagged.has_purchase
            and flagged.snapshot_date = f_worse.snapshot_date
            and flagged.frequency_30d = f_worse.frequency_30d
    left join m_worse
        on
            flagged.has_purchase
            and flagged.snapshot_date = m_worse.snapshot_date
            and flagged.monetary_30d = m_worse.monetary_30d

),

scored as (

    select
        *,
        case
            when has_purchase then 1 + {{ floor_divide('5 * r_worse', 'buyers') }}
        end as r_score,
        case
            when has_purchase then 1 + {{ floor_divide('5 * f_worse', 'buyers') }}
        end as f_score,
        case
            when has_purchase then 1 + {{ floor_divide('5 * m_worse', 'buyers') }}
        end as m_score

    from ranked

),
{%- else %}

scored as (

    select * from flagged

),
{%- endif %}

-- The no-purchase segment is the rfm_segments row with no flags.
segmented as (

    select
        scored.*,
        segments.segment,
        segments.segment_rank,
        segments.name_zh as segment_name_zh,
        segments.r_high is not null as is_rfm_segment

    from scored
    left join segments
        on
            (
                scored.has_purchase
                and scored.r_high = segments.r_high
                and scored.f_high = segments.f_high
                and scored.m_high = segments.m_high
            )
            or (
                not scored.has_purchase
                and segments.r_high is null
                and segments.f_high is null
                and segments.m_high is null
            )

),

-- SPEC §5.4 lifecycle: the first rule that applies (1 … 5).
ruled as (

    select
        *,
        case
            when not has_purchase then 1
            when recency_days > {{ var('churn_after_days') }} then 2
            when recency_days > {{ var('decline_after_days') }} then 3
            when is_spend_drop then 4
            else 5
        end as lifecycle_rule

    from segmented

),

staged as (

    select
        *,
        case
            when lifecycle_rule = 1 and days_since_join <= {{ var('churn_after_days') }}
                then 'onboarding'
            when lifecycle_rule in (1, 2) then 'churned'
            when lifecycle_rule in (3, 4) then 'declining'
            when purchases_total = 1 then 'growth'
            else 'mature'
        end as lifecycle_stage

    from ruled

),

-- Segment on the last day of the month before the snapshot's month (a
-- complete month end, before the snapshot date: a row of
-- member_segment_history when she had joined by then).
with_previous as (

    select
        staged.*,
        snapshot_dates.is_month_end,
        snapshot_dates.is_as_of,
        snapshot_dates.is_day_before,
        snapshot_dates.previous_month_end
        {%- if previous_segments is not none %},
        previous.segment as previous_segment,
        previous.segment_rank as previous_segment_rank,
        previous.segment_name_zh as previous_segment_name_zh,
        case
            when previous.segment is not null then previous_segments.r_high is not null
        end as is_previous_rfm_segment
        {%- endif %}

    from staged
    inner join snapshot_dates
        on staged.snapshot_date = snapshot_dates.snapshot_date
    {%- if previous_segments is not none %}
    left join {{ previous_segments }} as previous
        on
            staged.member_id = previous.member_id
            and snapshot_dates.previous_month_end = previous.month_end
    left join segments as previous_segments
        on previous.segment = previous_segments.segment
    {%- endif %}

),

final as (

    select
        member_id,
        snapshot_date,
        is_month_end,
        is_as_of,
        is_day_before,
        tier,
        join_date,
        cast(days_since_join as integer) as days_since_join,
        cast(tenure_month as integer) as tenure_month,
        has_purchase,
        first_purchase_date,
        last_purchase_date,
        cast(recency_days as integer) as recency_days,
        cast(purchases_total as integer) as purchases_total,
        cast(sales_total as decimal(18, 4)) as sales_total,
        cast(frequency_30d as integer) as frequency_30d,
        cast(monetary_30d as decimal(18, 4)) as monetary_30d,
        cast(monetary_prev_30d as decimal(18, 4)) as monetary_prev_30d,
        r_high,
        f_high,
        m_high,
        {%- if with_rfm_scores %}
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        {%- endif %}
        segment,
        cast(segment_rank as integer) as segment_rank,
        segment_name_zh,
        is_rfm_segment,
        is_spend_drop,
        lifecycle_rule,
        lifecycle_stage,
        previous_month_end
        {%- if previous_segments is not none %},
        previous_segment,
        cast(previous_segment_rank as integer) as previous_segment_rank,
        previous_segment_name_zh,
        is_previous_rfm_segment
        {%- endif %}

    from with_previous

)

select * from final
{% endmacro %}
