"""STUB — stands in for ``radar.churn.scores_as_of`` until helper 13a's radar/churn.py is merged.

NOT A MODEL. radar/backtest.py uses it only when ``radar.churn`` has no
``scores_as_of``, and says so on every run. It has the same signature and the
same duty — the scores the warehouse would have computed on day ``cutoff``,
for the members alive on it, reading nothing dated after the cut-off — so that
the backtest's plumbing (score_churn_risk, score_bgnbd) runs end to end.
Delete this file once radar.churn.scores_as_of exists.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

IS_STUB = True


def scores_as_of(con, cutoff: dt.date) -> pd.DataFrame:
    """member_id, churn_risk, p_alive, expected_purchases_90d as of ``cutoff`` (crude placeholders)."""
    return con.execute("""
        with purchases as (
            select member_id,
                   max(purchase_date) as last_purchase_date,
                   count(*) filter (where purchase_date > cast(? as date) - 90) as purchase_days_90d
            from intermediate.int_member_daily_purchases
            where purchase_date <= cast(? as date)
            group by 1
        )
        select members.member_id,
               1 - exp(-coalesce(cast(? as date) - purchases.last_purchase_date,
                                 cast(? as date) - members.join_date) / 45.0) as churn_risk,
               case when purchases.member_id is not null
                    then exp(-(cast(? as date) - purchases.last_purchase_date) / 90.0) end as p_alive,
               cast(purchases.purchase_days_90d as double) as expected_purchases_90d
        from intermediate.int_members as members
        left join purchases on members.member_id = purchases.member_id
        where members.join_date <= cast(? as date)
        order by 1
    """, [cutoff] * 6).df()
