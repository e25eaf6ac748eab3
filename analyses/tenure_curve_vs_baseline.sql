-- Tenure curve vs the thesis baseline, per tier: the share of complete 30-day
-- tenure windows with a purchase, by window (bucket 13 = over a year), next to
-- the expected rate and the gap in percentage points. Small buckets (few
-- windows) are noisy: look at `windows` before reading `delta_pp`.
with

tenure_activity as (

    select * from {{ ref('tenure_activity') }}

),

final as (

    select
        tier,
        tenure_bucket,
        windows,
        active_windows,
        active_rate,
        expected_active_rate,
        delta_pp

    from tenure_activity

)

select * from final
order by tier, tenure_bucket
