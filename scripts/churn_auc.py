#!/usr/bin/env python
"""Out-of-time AUC of churn_risk, BG/NBD and recency at one cut-off of a built warehouse.

Scores as the warehouse would have on the cut-off c (radar.churn.score, data
≤ c only), outcome: no purchase on c+1 … c+90 (needs c + 90 ≤ as_of_date).
The backtest proper is `make backtest`; this is the model's quick check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from radar import churn  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--cutoff", type=dt.date.fromisoformat, required=True,
                        help="a complete month end with cut-off + 90 days ≤ as_of_date")
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.db), read_only=True) as con:
        result = churn.score(con, args.cutoff, diagnostics=False)
        frame = churn.member_features(con, [args.cutoff], args.cutoff + dt.timedelta(days=churn.HORIZON_DAYS))
    frame = frame.loc[frame["is_alive"]].set_index("member_id")
    scores = result.scores.set_index("member_id")
    y = frame.loc[scores.index, "churned_within_horizon"].astype(bool)
    features = frame.loc[scores.index]
    out = {"cutoff": str(args.cutoff), "population": int(len(y)), "churned": int(y.sum()),
           "method": result.method,
           "auc_churn_risk": churn._auc(y, scores["churn_risk"].fillna(1.0)),
           "auc_bgnbd": churn._auc(y, -scores["expected_purchases_90d"].fillna(0.0)),
           "auc_recency": churn._auc(y, churn.recency_score(features))}
    classifier = next(r for r in result.fit_rows if r["model"] == "churn_classifier")
    out.update({k: classifier[k] for k in ("training_cutoffs", "training_rows", "holdout_auc",
                                           "holdout_auc_bgnbd", "holdout_auc_recency")})
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
