#!/usr/bin/env python3
"""Does a richer feature set lift the churn model's out-of-time 90-day AUC?

An experiment, not part of the pipeline (docs/churn_experiments.md has the
results and how to read them). On a built warehouse that has run
``make backtest`` (the CDNOW one: ``make cdnow``), for each of the backtest's
cut-offs c (the 12 latest month ends with c + 90 ≤ as_of_date) it trains the
production classifier (radar.churn.CLASSIFIER_SETTINGS) exactly as the
warehouse does — on the alive members of the 6 latest month ends e with
e + 90 ≤ c, features as of e, outcome "no purchase on e+1 … e+90" — once on
radar.churn.FEATURES and once with inter-purchase-gap features added, and
ranks the members alive on c. Nothing after c enters a model trained for c;
the outcomes on c (for the AUC only) are read as of as_of_date.

    .venv/bin/python scripts/churn_feature_experiment.py warehouse/cdnow.duckdb
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar import churn  # noqa: E402

#: gap = days between two consecutive purchase days of a member, on or before the date
GAP_FEATURES = ("gap_mean", "gap_std", "gap_last", "gap_max", "recency_over_gap_mean",
                "sales_last_day", "sales_max_day")


def gap_features(daily: pd.DataFrame, date: dt.date) -> pd.DataFrame:
    """One row per member with a purchase on or before ``date``: the GAP_FEATURES."""
    known = daily.loc[daily["purchase_date"] <= pd.Timestamp(date)]
    known = known.sort_values(["member_id", "purchase_date"])
    known = known.assign(gap=known.groupby("member_id")["purchase_date"].diff().dt.days)
    by = known.groupby("member_id")
    out = pd.DataFrame({"gap_mean": by["gap"].mean(), "gap_std": by["gap"].std(),
                        "gap_last": by["gap"].last(), "gap_max": by["gap"].max(),
                        "sales_last_day": by["sales"].last(), "sales_max_day": by["sales"].max()})
    out["recency_over_gap_mean"] = (pd.Timestamp(date) - by["purchase_date"].max()).dt.days / out["gap_mean"]
    return out.reset_index().assign(snapshot_date=pd.Timestamp(date))


class Features:
    """Features of the alive members per date (warehouse features + BG/NBD of that date + gaps)."""

    def __init__(self, con, as_of: dt.date):
        self.con, self.as_of, self.cache = con, as_of, {}
        self.daily = con.execute(
            "select member_id, purchase_date, cast(sales as double) as sales "
            "from intermediate.int_member_daily_purchases").df()
        self.daily["purchase_date"] = pd.to_datetime(self.daily["purchase_date"])

    def __call__(self, dates: list[dt.date]) -> pd.DataFrame:
        for date in dates:
            if date not in self.cache:
                frame = churn.member_features(self.con, [date], self.as_of)
                churn._add_bgnbd(frame, churn._fit_bgnbd_frame(frame).params)
                frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
                frame = frame.merge(gap_features(self.daily, date), on=["snapshot_date", "member_id"], how="left")
                self.cache[date] = frame.loc[frame["is_alive"]]
        return pd.concat([self.cache[d] for d in dates], ignore_index=True)


def auc_of(train: pd.DataFrame, test: pd.DataFrame, features: list[str]) -> float:
    used = [f for f in features if train[f].nunique(dropna=True) >= 2]
    model = churn._classifier().fit(train[used], train["churned_within_horizon"].astype(int))
    return churn._auc(test["churned_within_horizon"], model.predict_proba(test[used])[:, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a built warehouse (DuckDB file)")
    args = parser.parse_args()

    con = duckdb.connect(args.db, read_only=True)
    as_of = con.execute("select max(as_of_date) from marts.member_segments").fetchone()[0]
    ends = [r[0] for r in con.execute(
        "select distinct month_end from marts.member_segment_history order by 1").fetchall()]
    horizon = dt.timedelta(days=churn.HORIZON_DAYS)
    cutoffs = [e for e in ends if e + horizon <= as_of][-12:]
    features = Features(con, as_of)
    rows = []
    with churn._threads(0):
        for cutoff in cutoffs:
            training_ends = [e for e in ends if e + horizon <= cutoff][-churn.TRAINING_MONTHS:]
            if not training_ends:
                continue
            train, test = features(training_ends), features([cutoff])
            row = {"cut-off": cutoff.isoformat(), "alive": len(test),
                   "BG/NBD": churn._auc(test["churned_within_horizon"],
                                        test["bgnbd_p_no_purchase_90d"].fillna(1.0)),
                   "warehouse features": auc_of(train, test, list(churn.FEATURES)),
                   "+ gap features": auc_of(train, test, list(churn.FEATURES) + list(GAP_FEATURES))}
            rows.append(row)
            print(f"{row['cut-off']}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()
                                                     if isinstance(v, float)), flush=True)
    table = pd.DataFrame(rows)
    print("\n| " + " | ".join(table.columns) + " |\n| --- |" + " ---: |" * (len(table.columns) - 1))
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int)
                                else str(v) for v in row.values()) + " |")
    means = table.mean(numeric_only=True)
    print("| mean | | " + " | ".join(f"{means[c]:.3f}" for c in table.columns[2:]) + " |")


if __name__ == "__main__":
    main()
