"""``make quality-docs``: docs/warning_quality.md and .json from the backtest tables of warehouses.

Every figure is read from ``marts.alert_backtest`` (make backtest) and, when
present, ``churn_model_parameters`` of each warehouse given; nothing is typed
by hand. A rule's verdict follows the criterion stated in the document
(:data:`CRITERION`), computed from the numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from radar.pipeline import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "docs" / "warning_quality"
SCORE_NAMES = {
    "score_churn_risk": ("流失风险分（学习模型）", "churn risk (learned model)"),
    "score_bgnbd": ("BG/NBD 预期购买天数", "BG/NBD expected purchase days"),
    "score_recency": ("距上次购买天数", "days since last purchase"),
}
SIGNAL_LIFT = 1.2
NOISE_LIFT = 0.8
SHARE_OF_CUTOFFS = 0.75
CRITERION = (
    f"A rule **carries signal** when its lift at the longest horizon, pooled over the cut-offs "
    f"(Σ flagged churned / Σ flagged, divided by Σ churned / Σ population), is at least {SIGNAL_LIFT} "
    f"and its lift is above 1 at no fewer than {SHARE_OF_CUTOFFS:.0%} of the cut-offs where it "
    f"flagged anyone; it **points the wrong way** when the pooled lift is at most {NOISE_LIFT} "
    f"(the flagged members churn less than the others); otherwise it has **no useful signal** "
    f"(about as good as picking members at random). A rule that flagged nobody cannot be judged."
)


def alert_names() -> dict[str, tuple[str, str]]:
    """Chinese names from the alert_catalog seed; English from the console's labels when present."""
    names: dict[str, tuple[str, str]] = {}
    with (PROJECT_ROOT / "seeds" / "alert_catalog.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["alert_code"]] = (row["name_zh"], row.get("name_en") or row["alert_code"].replace("_", " "))
    try:
        from console.i18n import LABELS

        for code in names:
            english = LABELS["en"].get(f"quality_alert_{code}")
            if english:
                names[code] = (names[code][0], english)
    except ImportError:
        pass
    return {**names, **SCORE_NAMES}


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        # the documents this writes do not make the code dirty
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!docs/warning_quality.md", ":!docs/warning_quality.json"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_dataset(db: Path) -> dict:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = {(r[0], r[1]) for r in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        if ("marts", "alert_backtest") not in tables:
            raise SystemExit(f"error: {db} has no marts.alert_backtest; run make backtest DB={db} first")
        frame = con.execute("select * from marts.alert_backtest order by alert_code, cutoff_date, horizon_days").df()
        parameters = None
        for schema, name in sorted(tables):
            if name == "churn_model_parameters":
                parameters = con.execute(f"""
                    select * from {schema}.churn_model_parameters
                    where as_of_date = (select max(as_of_date) from {schema}.churn_model_parameters)
                """).df()
                break
        tasks = None
        if ("marts", "task_backtest") in tables:
            tasks = con.execute("select * from marts.task_backtest order by list_code, cutoff_date, horizon_days").df()
        as_of = con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0]
    return {"frame": frame, "parameters": parameters, "tasks": tasks, "warehouse_as_of": as_of}


def ratio(numerator: float, denominator: float):
    return None if not denominator else numerator / denominator


def summarise(frame, names) -> dict:
    longest = int(frame["horizon_days"].max())
    out: dict = {"longest_horizon": longest, "codes": [], "base_rate": {}, "auc": {}}
    for horizon, part in frame.groupby("horizon_days"):
        first = part.drop_duplicates("cutoff_date")
        out["base_rate"][int(horizon)] = ratio(first["churned"].sum(), first["population"].sum())
    for code, part in frame[frame["horizon_days"] == longest].groupby("alert_code"):
        flagged, flagged_churned = int(part["flagged"].sum()), int(part["flagged_churned"].sum())
        churned, population = int(part["churned"].sum()), int(part["population"].sum())
        precision = ratio(flagged_churned, flagged)
        base = ratio(churned, population)
        lift = None if precision is None or not base else precision / base
        judged = part[part["flagged"] > 0]
        above = int((judged["lift"] > 1).sum())
        is_score = bool(part["is_score"].iloc[0])
        if is_score:
            verdict = None
        elif flagged == 0 or lift is None:
            verdict = "not judged"
        elif lift >= SIGNAL_LIFT and above >= SHARE_OF_CUTOFFS * len(judged):
            verdict = "carries signal"
        elif lift <= NOISE_LIFT:
            verdict = "points the wrong way"
        else:
            verdict = "no useful signal"
        out["codes"].append({
            "alert_code": code, "name_zh": names.get(code, (code, code))[0],
            "name_en": names.get(code, (code, code))[1], "is_score": is_score,
            "flagged_per_cutoff": flagged / part["cutoff_date"].nunique(),
            "precision": precision, "recall": ratio(flagged_churned, churned), "lift": lift,
            "cutoffs_with_lift_above_1": above, "cutoffs_flagging": len(judged),
            "auc_mean": float(part["auc"].mean()) if is_score else None,
            "auc_min": float(part["auc"].min()) if is_score else None,
            "auc_max": float(part["auc"].max()) if is_score else None,
            "verdict": verdict,
        })
    for horizon, part in frame[frame["is_score"]].groupby("horizon_days"):
        out["auc"][int(horizon)] = {code: float(p["auc"].mean()) for code, p in part.groupby("alert_code")}
    out["codes"].sort(key=lambda c: (c["is_score"], -(c["lift"] or 0)))
    return out


TASK_LISTS = {
    "list_new_warnings": "every member with a new warning that day",
    "list_tasks": "of them, those that became a task (not suppressed by the playbook)",
    "list_tasks_within_capacity": "of those, the tasks within the mentor's daily capacity",
    "list_tasks_by_value_within_capacity": "for comparison: within capacity had the list been ranked by "
                                           "value at risk first (severity only breaking ties)",
}


def summarise_tasks(tasks) -> list[dict]:
    """Pooled precision / recall / lift of the cut-off day's lists, per horizon (marts.task_backtest)."""
    out = []
    for (code, horizon), part in tasks.groupby(["list_code", "horizon_days"], sort=True):
        listed, listed_churned = int(part["listed"].sum()), int(part["listed_churned"].sum())
        churned, population = int(part["churned"].sum()), int(part["population"].sum())
        precision, base = ratio(listed_churned, listed), ratio(churned, population)
        out.append({"list_code": code, "horizon_days": int(horizon),
                    "listed_per_cutoff": listed / part["cutoff_date"].nunique(),
                    "precision": precision, "recall": ratio(listed_churned, churned), "base_rate": base,
                    "lift": None if precision is None or not base else precision / base})
    return out


def render_tasks(tasks, longest: int) -> list[str]:
    lines = ["", "### The mentor's morning list on the cut-off day", "",
             "`marts.task_backtest`: on each cut-off day c, the member tasks of `mentor_tasks`' ranking "
             "rebuilt as of c (playbook suppression, one task per member, severity then churn_risk × "
             "expected_value_90d from the scores as of c, cut at `mentor_daily_capacity` per mentor; group "
             "tasks are not measured — they have no member outcome — so on a real list they would take some "
             "of the capacity). Precision = share of the listed members of the population who churned within "
             "h, next to that of every new warning that day.", "",
             "| list | horizon | listed per cut-off (average) | precision | recall | lift |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    order = list(TASK_LISTS)
    for row in sorted(summarise_tasks(tasks), key=lambda r: order.index(r["list_code"]) if r["list_code"] in order
                      else len(order)):
        if row["horizon_days"] != longest:
            continue
        lines.append(f"| {TASK_LISTS.get(row['list_code'], row['list_code'])} (`{row['list_code']}`) | "
                     f"{row['horizon_days']} | {row['listed_per_cutoff']:,.0f} | {fmt(row['precision'])} | "
                     f"{fmt(row['recall'])} | {fmt(row['lift'], 2)} |")
    pooled = {row["list_code"]: row for row in summarise_tasks(tasks) if row["horizon_days"] == longest}
    within, every = pooled.get("list_tasks_within_capacity"), pooled.get("list_tasks")
    by_value = pooled.get("list_tasks_by_value_within_capacity")
    if within and every and within["precision"] is not None and every["precision"] is not None:
        verdict = ("higher than" if within["precision"] > every["precision"] else
                   "lower than" if within["precision"] < every["precision"] else "the same as")
        lines += ["", f"At {longest} days the tasks within capacity churned at {fmt(within['precision'])}, "
                  f"{verdict} every task of the day ({fmt(every['precision'])}; base rate "
                  f"{fmt(within['base_rate'])})."
                  + (f" Ranked by value at risk first, the same capacity would have held tasks that churned at "
                     f"{fmt(by_value['precision'])}." if by_value and by_value["precision"] is not None else "")
                  + " The list ranks by the alert catalogue's severity first (high / medium / low), so the medium "
                  "rules fill the capacity before the low ones whatever their measured lift (table above); "
                  "in the comparison ranking members who never bought carry the interim priority "
                  "(segment no_purchase: 1,000), above nearly every value at risk in yuan, so part of a gain there "
                  "can be new_member_inactive's lift rather than the value at risk."]
    return lines


def fmt(value, digits=3) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def cell(value) -> str:
    """One stored value as a reader reads it: a dash for none, yes/no, a date without a midnight
    time, whole numbers with thousands separators, words for the stored codes."""
    if value is None or value is pd.NaT:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return fmt(float(value), 6)  # a dash for NaN
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        midnight = value == value.replace(hour=0, minute=0, second=0, microsecond=0)
        return value.date().isoformat() if midnight else value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text.replace("_", " ") if text.isidentifier() else text


def dataset_label(db: Path) -> str:
    return {"radar": "Demo data (radar/generate.py)", "cdnow": "CDNOW (real transactions, 1997–1998)"}.get(
        db.stem, db.stem)


def render(datasets: list[dict]) -> str:
    lines = [
        "# Warning quality",
        "",
        "Generated by `make quality-docs` from the `marts.alert_backtest` table of each warehouse below "
        "(`make backtest`, SPEC §7.3) — do not edit by hand. For each backtest cut-off c (the last day of a "
        "complete month, c + the longest horizon ≤ as_of_date) and horizon h, over the members alive on c: "
        "a member alert *flags* the members for whom it was new on a day of [c − 29, c]; a score flags its "
        "top 10 %; *precision* = share of the flagged who churned (no purchase on c + 1 … c + h), *recall* = "
        "share of the churned who were flagged, *lift* = precision / base rate; *AUC* ranks the whole "
        "population by the score (0.5 = chance).",
        "",
        "**Verdict criterion.** " + CRITERION,
        "",
    ]
    for data in datasets:
        summary, frame = data["summary"], data["frame"]
        cutoffs = sorted(frame["cutoff_date"].unique())
        longest = summary["longest_horizon"]
        lines += [
            f"## {data['label']}",
            "",
            f"- Warehouse: `{data['db']}` (as_of_date {data['warehouse_as_of']}); backtest as of "
            f"{str(frame['as_of_date'].iloc[0])[:10]}.",
            f"- Cut-offs ({len(cutoffs)}): {', '.join(str(c)[:10] for c in cutoffs)}.",
            f"- Horizons: {', '.join(str(h) for h in sorted(summary['base_rate']))} days. Base rate (share of "
            "the population that churned, pooled over cut-offs): "
            + ", ".join(f"{h} days {fmt(r)}" for h, r in sorted(summary["base_rate"].items())) + ".",
            f"- Scores from `{', '.join(sorted(frame['score_source'].unique()))}`.",
            "- Data fingerprints (per cut-off, first 8 characters): "
            + ", ".join(f"{str(c)[:10]} `{f[:8]}`" for c, f in
                        frame.drop_duplicates("cutoff_date")[["cutoff_date", "data_fingerprint"]].values) + ".",
            f"- Code: commit {data['commit']}.",
            "",
            f"### At {longest} days, pooled over the cut-offs",
            "",
            "| alert / score | flagged per cut-off (average) | precision | recall | lift | cut-offs with lift > 1 | AUC "
            "(mean, min–max) | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for code in summary["codes"]:
            auc = (f"{fmt(code['auc_mean'])} ({fmt(code['auc_min'])}–{fmt(code['auc_max'])})"
                   if code["is_score"] else "")
            lines.append(
                f"| {code['name_en']} / {code['name_zh']} (`{code['alert_code']}`) | "
                f"{code['flagged_per_cutoff']:,.0f} | {fmt(code['precision'])} | {fmt(code['recall'])} | "
                f"{fmt(code['lift'], 2)} | {code['cutoffs_with_lift_above_1']} of {code['cutoffs_flagging']} | "
                f"{auc} | {code['verdict'] or 'score'} |")
        rules = [c for c in summary["codes"] if not c["is_score"]]
        by_verdict: dict[str, list[str]] = {}
        for code in rules:
            by_verdict.setdefault(code["verdict"], []).append(f"{code['name_en']} (lift {fmt(code['lift'], 2)})")
        lines += ["", "**Which thesis rules carry signal here:** "
                  + "; ".join(f"{verdict}: {', '.join(items)}" for verdict, items in by_verdict.items()) + "."]
        best = max((c for c in summary["codes"] if c["is_score"]), key=lambda c: c["auc_mean"] or 0,
                   default=None)
        if best is not None:
            lines.append(f"The best-ranking score at {longest} days is {best['name_en']} "
                         f"(mean AUC {fmt(best['auc_mean'])}).")
        lines += ["", "### Score AUC by horizon (mean over cut-offs)", "",
                  "| horizon | " + " | ".join(SCORE_NAMES[c][1] for c in SCORE_NAMES) + " |",
                  "| ---: | " + " | ".join("---:" for _ in SCORE_NAMES) + " |"]
        for horizon, aucs in sorted(summary["auc"].items()):
            lines.append(f"| {horizon} | " + " | ".join(fmt(aucs.get(c)) for c in SCORE_NAMES) + " |")
        lines += ["", f"### Per cut-off at {longest} days (precision / lift; AUC for scores)", ""]
        codes = [c["alert_code"] for c in summary["codes"]]
        lines += ["| cut-off | population | base rate | " + " | ".join(f"`{c}`" for c in codes) + " |",
                  "| --- | ---: | ---: | " + " | ".join("---" for _ in codes) + " |"]
        at_longest = frame[frame["horizon_days"] == longest]
        for cutoff, part in at_longest.groupby("cutoff_date"):
            cells = []
            for code in codes:
                row = part[part["alert_code"] == code].iloc[0]
                cells.append(f"AUC {fmt(row['auc'])}, lift {fmt(row['lift'], 2)}" if row["is_score"]
                             else f"{fmt(row['precision'])} / {fmt(row['lift'], 2)}")
            first = part.iloc[0]
            lines.append(f"| {str(cutoff)[:10]} | {int(first['population']):,} | {fmt(first['base_rate'])} | "
                         + " | ".join(cells) + " |")
        if data.get("tasks") is not None and not data["tasks"].empty:
            lines += render_tasks(data["tasks"], longest)
        lines += ["", "### Churn model", ""]
        parameters = data["parameters"]
        if parameters is None or parameters.empty:
            lines.append("This warehouse has no `churn_model_parameters` table (the churn model of SPEC §7.2 "
                         "is built by `make run` once radar.churn is merged).")
        else:
            columns = [c for c in parameters.columns]
            lines += ["Features and fitted parameters (coefficients or importances) as stored in "
                      "`churn_model_parameters` on the warehouse's as_of_date:", "",
                      "| " + " | ".join(c.replace("_", " ") for c in columns) + " |",
                      "| " + " | ".join("---" for _ in columns) + " |"]
            for values in parameters.itertuples(index=False):
                lines.append("| " + " | ".join(cell(v) for v in values) + " |")
        lines.append("")
    return "\n".join(lines)


def jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return jsonable(value.item())
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/warning_quality.md and .json from backtest tables.")
    parser.add_argument("dbs", nargs="+", type=Path, help="warehouse files that ran make backtest")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="path without suffix (default docs/warning_quality)")
    args = parser.parse_args(argv)
    names = alert_names()
    commit = git_commit()
    datasets = []
    for db in args.dbs:
        if not db.exists():
            print(f"error: no warehouse at {db} (make demo / make cdnow, then make backtest DB={db})",
                  file=sys.stderr)
            return 2
        data = read_dataset(db)
        data.update({"db": str(db), "label": dataset_label(db), "commit": commit,
                     "summary": summarise(data["frame"], names)})
        datasets.append(data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text(render(datasets), encoding="utf-8")
    payload = {
        "generated_by": "make quality-docs (radar/quality_docs.py)",
        "criterion": CRITERION,
        "datasets": [{
            "label": d["label"], "warehouse": d["db"], "warehouse_as_of": jsonable(d["warehouse_as_of"]),
            "code_commit": d["commit"], "summary": json.loads(json.dumps(d["summary"], default=jsonable)),
            "model_parameters": None if d["parameters"] is None else [
                {k: jsonable(v) for k, v in row.items()} for row in d["parameters"].to_dict("records")],
            "rows": [{k: jsonable(v) for k, v in row.items()} for row in d["frame"].to_dict("records")],
            "task_lists": None if d["tasks"] is None else summarise_tasks(d["tasks"]),
        } for d in datasets],
    }
    args.out.with_suffix(".json").write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=jsonable)
                                             + "\n", encoding="utf-8")
    print(f"wrote {args.out.with_suffix('.md')} and {args.out.with_suffix('.json')} ({len(datasets)} warehouse(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
