#!/usr/bin/env python
"""Time the churn step's model work at N members on synthetic data (no warehouse).

Simulates a BG/NBD population (purchase days, in days) and a feature table of
the same width as the real one, then times what ``radar.churn.score`` does
after reading its features: BG/NBD fit + outputs for every member, Gamma-Gamma
fit + expected spend, the classifier trained twice (holdout, then all) on the
capped training sample, permutation importances, and scoring every member.
The feature query itself is timed by ``make bench`` on a real warehouse.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar import churn  # noqa: E402


def simulate(n: int, seed: int) -> pd.DataFrame:
    """BG/NBD members: λ ~ Gamma(0.6, 25 days), p ~ Beta(1, 6), first purchase 0–1,100 days ago."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.6, 1 / 25.0, n)
    p = rng.beta(1.0, 6.0, n)
    T = rng.integers(0, 1100, n).astype(float)
    t = np.zeros(n)
    x = np.zeros(n)
    last = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        gap = rng.exponential(1 / lam[alive])
        t[alive] += gap
        bought = t[alive] <= T[alive]
        idx = np.flatnonzero(alive)
        x[idx[bought]] += 1
        last[idx[bought]] = t[idx[bought]]
        drop = rng.random(len(idx)) < p[idx]
        alive[idx[~bought | drop]] = False
    frame = pd.DataFrame({"frequency": x, "recency": np.floor(last), "age": T})
    frame["recency"] = np.minimum(frame["recency"], frame["age"])
    frame.loc[frame["frequency"] == 0, "recency"] = 0.0
    frame["repeat_mean_spend"] = np.where(x > 0, rng.gamma(6.0, 15.0, n), np.nan)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the timings here")
    args = parser.parse_args(argv)

    mark = time.perf_counter()
    frame = simulate(args.members, args.seed)
    print(f"simulated {len(frame)} members in {time.perf_counter() - mark:.1f} s", file=sys.stderr)
    timings: dict[str, float] = {}
    cpu_started = time.process_time()
    with churn._threads(len(frame)):
        started = time.perf_counter()
        bg = churn.fit_with_fallback(churn.fit_bgnbd, frame["frequency"], frame["recency"], frame["age"])
        timings["bgnbd_fit_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        out = churn.bgnbd_outputs(bg.params, frame["frequency"], frame["recency"], frame["age"])
        timings["bgnbd_outputs_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        gg = churn.fit_with_fallback(churn.fit_gamma_gamma, frame["frequency"], frame["repeat_mean_spend"])
        churn.expected_spend(gg.params, frame["frequency"], frame["repeat_mean_spend"].fillna(0))
        timings["gamma_gamma_s"] = time.perf_counter() - mark

        # classifier: a feature table as wide as the real one; outcome from the simulated model
        rng = np.random.default_rng(args.seed + 1)
        features = pd.DataFrame(rng.normal(size=(len(frame), len(churn.FEATURES))), columns=churn.FEATURES)
        features["bgnbd_p_no_purchase_90d"] = out["p_no_purchase_90d"]
        features["bgnbd_expected_90d"] = out["expected_purchases_90d"]
        features["recency_days"] = frame["age"] - frame["recency"]
        y = rng.random(len(frame)) < out["p_no_purchase_90d"]
        rows = min(churn.MAX_TRAINING_ROWS, len(frame))
        train, y_train = features.iloc[:rows], y[:rows]
        early = np.arange(rows) < rows * 5 // 6
        mark = time.perf_counter()
        model = churn._classifier().fit(train[early], y_train[early])
        holdout = model.predict_proba(train[~early])[:, 1]
        timings["classifier_holdout_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        from sklearn.inspection import permutation_importance

        permutation_importance(model, train[~early].iloc[:churn.IMPORTANCE_ROWS],
                               y_train[~early][:churn.IMPORTANCE_ROWS], scoring="roc_auc",
                               n_repeats=2, random_state=0)
        timings["permutation_importance_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        model = churn._classifier().fit(train, y_train)
        model.predict_proba(features)[:, 1]
        timings["classifier_fit_and_score_s"] = time.perf_counter() - mark
        timings["total_s"] = time.perf_counter() - started
        # CPU seconds of this process (all threads): on a machine shared with
        # other jobs the wall time above overstates what the step costs alone
        timings["total_cpu_s"] = time.process_time() - cpu_started

    report = {"members": args.members, "unique_bgnbd_rows": bg.unique_rows, "training_rows": rows,
              "bgnbd": bg.params, "holdout_auc": churn._auc(y_train[~early], holdout),
              **{k: round(v, 2) for k, v in timings.items()}}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
