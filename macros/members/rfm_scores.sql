{#- r_score, f_score and m_score (SPEC §5.4) of each member with a purchase
    on each snapshot date of `snapshots` (a member_snapshots relation), added
    to its columns: score = 1 + floor(5 w / n), n the members with a purchase
    that day, w how many of them have a strictly worse value (recency:
    longer; frequency and monetary: smaller); null without a purchase.

    w comes from counts per distinct value (a running sum over the few
    distinct values of a day), not from ranking every member. The scores
    rank a member among all members of the day, so only int_member_snapshots
    and the month ends of member_segment_history have them: the backtest
    evaluates only some members on most days. -#}
{% macro rfm_scores(snapshots) %}
with

score_input as (

    select * from {{ snapshots }}

),
{%- for score, column, worse_first in [('r', 'recency_days', 'desc'),
                                       ('f', 'frequency_30d', 'asc'),
                                       ('m', 'monetary_30d', 'asc')] %}

{{ score }}_value_counts as (

    select
        snapshot_date,
        {{ column }},
        count(*) as buyers_with_value

    from score_input
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

    from score_input
    where has_purchase
    group by 1

),

scored_members as (

    select
        score_input.*,
        cast(
            case
                when score_input.has_purchase
                    then 1 + {{ floor_divide('5 * r_worse.r_worse', 'buyer_counts.buyers') }}
            end as integer
        ) as r_score,
        cast(
            case
                when score_input.has_purchase
                    then 1 + {{ floor_divide('5 * f_worse.f_worse', 'buyer_counts.buyers') }}
            end as integer
        ) as f_score,
        cast(
            case
                when score_input.has_purchase
                    then 1 + {{ floor_divide('5 * m_worse.m_worse', 'buyer_counts.buyers') }}
            end as integer
        ) as m_score

    from score_input
    left join buyer_counts
        on
            score_input.has_purchase
            and score_input.snapshot_date = buyer_counts.snapshot_date
    left join r_worse
        on
            score_input.has_purchase
            and score_input.snapshot_date = r_worse.snapshot_date
            and score_input.recency_days = r_worse.recency_days
    left join f_worse
        on
            score_input.has_purchase
            and score_input.snapshot_date = f_worse.snapshot_date
            and score_input.frequency_30d = f_worse.frequency_30d
    left join m_worse
        on
            score_input.has_purchase
            and score_input.snapshot_date = m_worse.snapshot_date
            and score_input.monetary_30d = m_worse.monetary_30d

)

select * from scored_members
{% endmacro %}
