"""`make bench SIZE=S|M|L`: time the warehouse end to end and against plain SQL.

Each step runs as a whole process under ``/usr/bin/time -v`` (peak memory):

1. generate the landing data once (cached by size and seed under data/bench/);
2. validate + load every batch into a fresh warehouse (``--reload --no-build``);
3. full ``dbt build`` (per-model times from target/run_results.json);
4. the hand-written DuckDB reference for the four core marts
   (:mod:`radar.reference_sql`) on the same warehouse, same minute, then
   (untimed) its equality with the built marts, cell by cell: a difference
   fails the bench; then twice more the core models alone and the reference
   (the core ratio takes the fastest of each side);
5. two nightly runs, each one new day's batch validated, loaded and built
   incrementally (``--selector nightly``, as the full build): first new
   orders and late refunds on orders 90 to 150 days old, then the next day's
   new orders and refunds on orders at most 30 days old (issue 15's two
   nightly goals); for each, where the build's time goes (incremental
   models, models built whole, data tests, dbt's own start-up);
6. ``dbt build --full-refresh``;
7. the warning-quality backtest (``scripts/backtest.py``: the churn scores
   as of each cut-off it computes, then the backtest's dbt models) twice:
   from scratch as of a month earlier (``--no-cache``, every cut-off), then
   the monthly step at as_of_date, where one new month end has become a
   cut-off and the others come from the cache.

Results go to docs/benchmarks.json (one entry per size, kept across runs) and
docs/benchmarks.md (rendered from the JSON).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from radar.pipeline import target_dir

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SIZES = {"S": "100k members / ~1M orders", "M": "300k members / ~3M orders",
         "L": "1M members / ~10M orders, 3+ years", "XL": "3M members / ~30M orders, ~60M order lines",
         "tiny": "tests only", "demo": "20k members"}
RUN_RESULTS = target_dir() / "run_results.json"
CORE_MARTS = ("member_segments", "tenure_activity", "group_health_monthly",
              "mentor_category_output_monthly")
#: The goals of the open issues (#13: churn scoring and backtest; #15: the
#: rest), printed beside each measure; the bench measures, it never asserts.
GOALS = {
    "core_ratio_vs_plain_sql": "≤ 2",
    "daily_share_of_full_build": "≤ 0.25",
    "recent_share_of_full_build": "≤ 0.15",
    "validate_load_s": "≤ 60 s at L",
    "churn_scores_s": "fit + score ≤ 20 s at L",
    "backtest_s": "≤ 5 min at L",
    "peak_memory_gb": "≤ 4 GB at L",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(name: str, args: list[str], env: dict | None = None) -> dict:
    """Run ``args`` under /usr/bin/time -v; return wall seconds and peak RSS."""
    log(f"[bench] {name}: {' '.join(args)}")
    full_env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", **(env or {}))
    timer = shutil.which("time") and Path("/usr/bin/time").exists()
    command = ["/usr/bin/time", "-v", *args] if timer else args
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=full_env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"[bench] step {name} failed (exit {done.returncode})")
    peak_kb = None
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if match:
        peak_kb = int(match.group(1))
    log(f"[bench] {name}: {seconds:.1f} s, peak {peak_kb / 1e6 if peak_kb else float('nan'):.2f} GB")
    return {"seconds": round(seconds, 2), "peak_rss_gb": round(peak_kb / 1e6, 3) if peak_kb else None,
            "stdout": done.stdout, "stderr": done.stderr}


def backtest_phases(stderr: str, step: str) -> dict[str, float]:
    """The backtest's own account of a run: cut-offs computed, seconds of scores and of dbt."""
    out: dict[str, float] = {}
    computed = re.search(r"(\d+) to compute", stderr)
    split = re.search(r"\(scores ([\d.]+) s, dbt ([\d.]+) s\)", stderr)
    if computed:
        out[f"{step}_cutoffs"] = int(computed.group(1))
    if split:
        out[f"{step}_scores_s"], out[f"{step}_dbt_s"] = float(split.group(1)), float(split.group(2))
    return out


def end_to_end_share(steps: dict, night: str = "daily") -> float | None:
    """A nightly run end to end (the day batch's validate + load and build) over a full one (#15)."""
    seconds = {name: step["seconds"] for name, step in steps.items()}
    if f"{night}_incremental" not in seconds:
        return None
    return ((seconds[f"{night}_validate_load"] + seconds[f"{night}_incremental"])
            / (seconds["validate_load"] + seconds["full_build"]))


def build_profile(run_results: Path, manifest_path: Path, wall_s: float) -> dict:
    """Where one dbt build's wall time went: incremental models, models built
    whole, data tests, the other nodes (seeds, unit tests), and dbt's own
    share (start-up, parsing, hooks: the wall time no node accounts for);
    with the slowest models built whole."""
    materialized = {n["name"]: n["config"].get("materialized")
                    for n in json.loads(manifest_path.read_text())["nodes"].values()
                    if n["resource_type"] == "model"}
    out = {"incremental_models_s": 0.0, "whole_models_s": 0.0, "data_tests_s": 0.0, "other_nodes_s": 0.0}
    whole = {}
    for result in json.loads(run_results.read_text())["results"]:
        kind, name = result["unique_id"].split(".")[0], result["unique_id"].split(".")[2]
        seconds = result.get("execution_time") or 0.0
        if kind == "model" and materialized.get(name) == "incremental":
            out["incremental_models_s"] += seconds
        elif kind == "model":
            out["whole_models_s"] += seconds
            whole[name] = seconds
        elif kind == "test":
            out["data_tests_s"] += seconds
        else:
            out["other_nodes_s"] += seconds
    out["dbt_overhead_s"] = wall_s - sum(out.values())
    out = {k: round(v, 2) for k, v in out.items()}
    out["slowest_whole_models"] = [(k, round(v, 2)) for k, v in sorted(whole.items(), key=lambda kv: -kv[1])[:8]]
    return out


def node_times(run_results: Path, kind: str) -> dict[str, float]:
    """Seconds per node of one kind ("model", "test") of a dbt run, by node name."""
    out = {}
    for result in json.loads(run_results.read_text())["results"]:
        unique_id = result["unique_id"]
        if unique_id.startswith(kind + "."):
            out[unique_id.split(".")[2]] = round(result.get("execution_time") or 0.0, 3)
    return out


def kind_totals(run_results: Path) -> dict[str, float]:
    """Seconds by node kind (model, test, unit_test, seed) of a dbt run."""
    totals: dict[str, float] = {}
    for result in json.loads(run_results.read_text())["results"]:
        kind = result["unique_id"].split(".")[0]
        totals[kind] = round(totals.get(kind, 0.0) + (result.get("execution_time") or 0.0), 2)
    return totals


def ancestors(manifest_path: Path, names: tuple[str, ...]) -> set[str]:
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] == "model"}
    seen: set[str] = set()
    stack = [by_name[n] for n in names if n in by_name]
    while stack:
        uid = stack.pop()
        if uid in seen or uid not in nodes:
            continue
        seen.add(uid)
        stack.extend(d for d in nodes[uid]["depends_on"]["nodes"] if d.startswith("model."))
    return {nodes[u]["name"] for u in seen}


def duckdb_connect(db: Path, read_only: bool = True):
    import duckdb

    return duckdb.connect(str(db), read_only=read_only)


def make_day_batch(db: Path, out: Path, seed: int, refund_ages: tuple[int, int] = (90, 150)) -> dict:
    """One new day: orders on as_of + 1 and refunds on lines whose order is
    ``refund_ages`` days old (after-sales refunds arrive days to months late,
    not years late)."""
    import duckdb

    from radar import rebuild

    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"select setseed({(seed % 1000) / 1000})")
        as_of = rebuild.as_of_date(con, {})  # the cut-off the models use
        con.execute(f"""
            copy (
                select 'D' || member_id || '-' || strftime(date '{as_of}' + 1, '%Y%m%d') as order_id,
                       member_id,
                       strftime(date '{as_of}' + 1, '%Y-%m-%d') || 'T20:30:00+08:00' as ordered_at,
                       'paid' as status
                from staging.stg_landing__members using sample 0.3 percent (bernoulli, 7)
            ) to '{out / "orders.csv"}' (header, delimiter ',')""")
        con.execute(f"""
            copy (
                select * from (
                    select order_id, 1 as line_no, 'SKU-food_fresh-0001' as sku,
                           'food_fresh' as category_code, 1 as quantity, 88.80 as line_amount,
                           0.00 as refunded_amount
                    from read_csv('{out / "orders.csv"}', all_varchar = true)
                    union all
                    select i.order_id, i.line_no, i.sku, i.category_code, i.quantity, i.line_amount,
                           round(i.line_amount / 2, 2) as refunded_amount
                    from staging.stg_landing__order_items as i
                    inner join staging.stg_landing__orders as o on o.order_id = i.order_id
                    where o.order_date between date '{as_of}' - {refund_ages[1]} and date '{as_of}' - {refund_ages[0]}
                      and i.refunded_amount = 0
                      and hash(i.order_id, i.line_no) % 200 = 0
                )
            ) to '{out / "order_items.csv"}' (header, delimiter ',')""")
        counts = {
            "orders": con.execute(f"select count(*) from read_csv('{out / 'orders.csv'}')").fetchone()[0],
            "order_items": con.execute(
                f"select count(*) from read_csv('{out / 'order_items.csv'}')").fetchone()[0],
        }
    return {"day": str(as_of), "rows": counts, "refund_ages_days": list(refund_ages)}


def kinds(totals: dict | None) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted((totals or {}).items())) or "—"


#: What each timed step is, in words (docs/benchmarks.md).
STEP_LABELS = {
    "generate": "generate the landing data",
    "validate_load": "validate + load every batch",
    "full_build": "full `dbt build` (selector nightly)",
    "churn_scores": "churn scoring (features, fits, training, scores)",
    "churn_marts": "churn marts (`dbt build`)",
    "plain_sql_reference": "plain-SQL reference, then its check against the marts",
    "plain_sql_reference_1": "plain-SQL reference, second run",
    "plain_sql_reference_2": "plain-SQL reference, third run",
    "core_models_1": "core models alone (`dbt run`), second run",
    "core_models_2": "core models alone (`dbt run`), third run",
    "daily_validate_load": "nightly, late refunds: validate + load the day batch",
    "daily_incremental": "nightly, late refunds: incremental `dbt build`",
    "recent_validate_load": "nightly, recent refunds: validate + load the day batch",
    "recent_incremental": "nightly, recent refunds: incremental `dbt build`",
    "full_refresh": "`dbt build --full-refresh`",
    "backtest": "backtest from scratch (every cut-off)",
    "backtest_monthly": "backtest, monthly step (one new cut-off)",
}
NIGHT_LABELS = {"daily": "new orders + late refunds (orders 90–150 days old)",
                "recent": "new orders + refunds on orders ≤ 30 days old"}
NIGHT_GOALS = {"daily": "daily_share_of_full_build", "recent": "recent_share_of_full_build"}


def nights_of(r: dict) -> dict:
    """The nightly runs of one result; results written before there were two
    nights carry the first one's figures under daily_* keys."""
    if r.get("nights"):
        return r["nights"]
    if not r.get("daily_slowest_models"):
        return {}
    return {"daily": {"day_batch": r.get("day_batch") or {}, "rebuilt_months": r.get("daily_rebuilt_months") or [],
                      "models_s": r.get("daily_models_s") or 0.0, "slowest_models": r["daily_slowest_models"],
                      "by_kind_s": r.get("daily_by_kind_s"), "slowest_tests": r.get("daily_slowest_tests") or []}}


def render_markdown(results: dict) -> str:
    lines = ["# Benchmarks", "",
             "Written by `make bench SIZE=…` (radar/bench.py); every figure is measured, none is "
             "asserted in a test. Each step is a whole process timed with `/usr/bin/time -v`.", "",
             "Goals at L (issue #15; the churn and backtest goals from #13, resolved): the four core outputs ≤ 2× the plain-SQL "
             "reference; a nightly run ≤ 25 % of a full build end to end (≤ 15 % for a day batch of new "
             "orders and refunds on orders at most 30 days old); validation + load ≤ 60 s; churn fit + "
             "score ≤ 20 s; the backtest ≤ 5 min; peak memory of any step ≤ 4 GB.", ""]
    for size, r in sorted(results.items(), key=lambda kv: "SML".find(kv[0]) if kv[0] in "SML" else 9):
        m = r["machine"]
        lines += [f"## {size} — {SIZES.get(size, '')}", "",
                  f"Measured {r['measured_at']} on {m['cores']} cores, {m['memory_gb']} GB, "
                  f"{m['engine']}; data: {r['data']}.", "",
                  "| step | wall s | peak RSS GB |", "| --- | ---: | ---: |"]
        for step, s in r["steps"].items():
            label = STEP_LABELS.get(step, step)
            label = f"{label} (cached data; figures of the run that generated it)" if s.get("cached") else label
            lines.append(f"| {label} | {s['seconds']:.1f} | {s['peak_rss_gb'] if s['peak_rss_gb'] is not None else '—'} |")
        lines += measures(r) + ["", "Slowest models (full build):", "", "| model | s |", "| --- | ---: |"]
        lines += [f"| {name} | {seconds:.2f} |" for name, seconds in r["slowest_models"]]
        lines += core_section(r) + time_split_section(r)
        for night, n in nights_of(r).items():
            lines += night_section(night, n)
        if r.get("notes"):
            lines += ["", r["notes"]]
        lines.append("")
    return "\n".join(lines)


def runs(seconds: list[float] | None) -> str:
    """', fastest of 3 runs: 70.1, 66.0, 68.2 s' for a measure taken more than once."""
    if not seconds or len(seconds) < 2:
        return ""
    return f", fastest of {len(seconds)} runs: {', '.join(f'{v:.1f}' for v in seconds)} s"


def measures(r: dict) -> list[str]:
    """The table of measures against the goals."""
    d, nights = r["derived"], nights_of(r)
    lines = ["", "| measure | value | goal |", "| --- | ---: | --- |",
             f"| dbt models (sum of model times, full build) | {d['full_build_models_s']:.1f} s | ≤ 90 s at L |",
             f"| four core outputs in the warehouse (their models and ancestors){runs(d.get('core_models_runs_s'))} "
             f"| {d['core_models_s']:.1f} s | |",
             f"| plain-SQL reference{' (equal to the four marts, cell by cell)' if r.get('plain_sql_check') else ''}"
             f"{runs(d.get('plain_sql_runs_s'))} | {d['plain_sql_s']:.1f} s | |",
             f"| ratio warehouse / plain SQL | {d['core_ratio_vs_plain_sql']:.2f} | {GOALS['core_ratio_vs_plain_sql']} |"]
    for night in nights:
        share = d.get(f"{night}_share_of_full_build")
        lines += [f"| nightly, {NIGHT_LABELS[night]}: `dbt build` / full `dbt build` (wall) | {share:.2f} | |",
                  f"| nightly, {NIGHT_LABELS[night]}: end to end (day batch load + build) / full (load + build) "
                  f"| {end_to_end_share(r['steps'], night):.2f} | {GOALS[NIGHT_GOALS[night]]} |"]
    lines += [f"| daily model time / full model time | {d.get('daily_models_share') or 0:.2f} | |",
              f"| seconds by node kind, full build | {kinds(r.get('full_build_by_kind_s'))} | |",
              *[f"| seconds by node kind, nightly, {NIGHT_LABELS[night]} | {kinds(n.get('by_kind_s'))} | |"
                for night, n in nights.items()],
              f"| validation + load | {d['validate_load_s']:.1f} s | {GOALS['validate_load_s']} |",
              *([f"| churn scoring step (features, fits, training, scores; whole process) "
                 f"| {d['churn_scores_s']:.1f} s | {GOALS['churn_scores_s']} |"] if "churn_scores_s" in d else []),
              *[f"| backtest, {label} ({d.get(step + '_cutoffs', '?')} cut-off(s) computed: scores "
                f"{d.get(step + '_scores_s', float('nan')):.1f} s, dbt {d.get(step + '_dbt_s', float('nan')):.1f} s) "
                f"| {d[step + '_s']:.1f} s | {GOALS['backtest_s']} |"
                for step, label in (("backtest", "from scratch"),
                                    ("backtest_monthly", "monthly step: one new month end"))
                if step + "_s" in d],
              f"| peak memory, any step | {d['peak_memory_gb']:.2f} GB | {GOALS['peak_memory_gb']} |"]
    return lines


def core_section(r: dict) -> list[str]:
    """The core ratio's two sides: the slowest of the marts' models and ancestors, and the
    reference's phases."""
    if not r.get("core_slowest_models"):
        return []
    plain = r.get("plain_sql_breakdown_s") or {}
    return ["", f"Core outputs: the four marts and their {r.get('core_model_count', '?')} models and ancestors "
            f"take {r['derived']['core_models_s']:.1f} s; the slowest of them, and the plain-SQL "
            "reference's phases (`setup` is its one pass over the order lines and rosters shared by "
            "the four):", "", "| warehouse model | s |", "| --- | ---: |",
            *[f"| {name} | {seconds:.2f} |" for name, seconds in r["core_slowest_models"]],
            "", "| plain-SQL phase | s |", "| --- | ---: |",
            *[f"| {name} | {seconds:.2f} |" for name, seconds in plain.items()]]


def time_split_section(r: dict) -> list[str]:
    """Where each build's wall time went."""
    builds = [("full build", r.get("full_build_profile"))] + [
        (f"nightly: {NIGHT_LABELS[night]}", n.get("profile")) for night, n in nights_of(r).items()]
    builds = [(label, p) for label, p in builds if p]
    if not builds:
        return []
    return ["", "Where each build's wall time goes (s; *dbt itself* is the wall time no node accounts for: "
            "start-up, parsing, hooks, writing the artefacts):", "",
            "| build | incremental models | models built whole | data tests | other nodes | dbt itself |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *[f"| {label} | {p['incremental_models_s']:.1f} | {p['whole_models_s']:.1f} | {p['data_tests_s']:.1f} "
              f"| {p['other_nodes_s']:.1f} | {p['dbt_overhead_s']:.1f} |" for label, p in builds]]


def night_section(night: str, n: dict) -> list[str]:
    """One nightly run: what it rebuilt, its slowest models (and those built whole) and tests."""
    months = n.get("rebuilt_months") or []
    rows = n["day_batch"].get("rows") or {}
    batch = f"{rows.get('orders', 0):,} orders, {rows.get('order_items', 0):,} order lines"
    lines = ["", f"Nightly run, {NIGHT_LABELS.get(night, night)}: the day batch ({batch}) "
             f"rebuilt {len(months)} month(s) ({', '.join(m[:7] for m in months)}); sum of model times "
             f"{n['models_s']:.1f} s. Slowest models:", "", "| model | s |", "| --- | ---: |",
             *[f"| {name} | {seconds:.2f} |" for name, seconds in n["slowest_models"]]]
    whole = (n.get("profile") or {}).get("slowest_whole_models")
    if whole:
        lines += ["", "Slowest models built whole (not incremental) in this run:", "", "| model | s |",
                  "| --- | ---: |", *[f"| {name} | {seconds:.2f} |" for name, seconds in whole]]
    if n.get("slowest_tests"):
        lines += ["", "Slowest data tests of this run:", "", "| test | s |", "| --- | ---: |",
                  *[f"| {name} | {seconds:.2f} |" for name, seconds in n["slowest_tests"]]]
    return lines


def core_pairs(py: str, dbt: str, env: dict, steps: dict, core: set[str], full_models: dict,
               plain: dict) -> tuple[list[float], list[float]]:
    """The two sides of the core ratio, three times each, side by side: the
    full build's core model times and the reference run after it, then twice
    the core models alone (``dbt run``, their ancestors, no tests) followed by
    the reference. The ratio takes the fastest of each side, so that one slow
    minute of the machine (timings here vary by 10–30 % within an hour) does
    not decide it. Adds the four runs to ``steps``."""
    core_runs = [sum(v for k, v in full_models.items() if k in core)]
    plain_runs = [plain.get("total", 0.0)]
    select = " ".join(f"+{name}" for name in CORE_MARTS)
    for i in (1, 2):
        steps[f"core_models_{i}"] = timed(f"core_models_{i}", [dbt, "run", "--threads", "1", "--profiles-dir",
                                                               "profiles", "--select", select], env)
        core_runs.append(sum(node_times(RUN_RESULTS, "model").values()))
        steps[f"plain_sql_reference_{i}"] = timed(f"plain_sql_reference_{i}",
                                                  [py, "-m", "radar.reference_sql", "--db", env["RADAR_DB_PATH"]])
        plain_runs.append(next(float(line.split()[1]) for line in steps[f"plain_sql_reference_{i}"]["stdout"]
                               .splitlines() if line.startswith("total ")))
    return core_runs, plain_runs


def nightly_run(night: str, py: str, build: list[str], db: Path, batch: Path, base: Path, env: dict,
                steps: dict, seed: int, refund_ages: tuple[int, int]) -> dict:
    """One nightly run as the pipeline does it: a new day's batch validated and
    loaded, then ``dbt build`` from the rebuild start the pipeline would pass,
    recorded as a complete build (the next night's start counts from it). Adds
    the steps ``{night}_validate_load`` and ``{night}_incremental``; returns
    the day batch, the months rebuilt and where the build's time went."""
    from radar import rebuild

    day_info = make_day_batch(db, batch, seed, refund_ages)
    steps[f"{night}_validate_load"] = timed(f"{night}_validate_load", [
        py, "scripts/radar_run.py", "--landing", str(batch.parent), "--db", str(db), "--no-build",
        "--docs-dir", str(base / "gx_docs")])
    with duckdb_connect(db) as con:  # the rebuild start the pipeline would pass
        rebuild_start, _ = rebuild.rebuild_from(con, rebuild.last_build(con), {}, "dev")
    # through the environment, as the pipeline passes it (macro run_var): a changed --vars
    # would make dbt re-parse the whole project, which a nightly run does not do
    steps[f"{night}_incremental"] = timed(f"{night}_incremental", [*build, "--selector", "nightly"],
                                          {**env, "RADAR_REBUILD_FROM_DATE": str(rebuild_start)})
    models = node_times(RUN_RESULTS, "model")
    with duckdb_connect(db, read_only=False) as con:
        rebuilt = [str(m) for (m,) in con.execute(
            "select month from intermediate.int_months where month >= date_trunc('month', ?::date) "
            "order by 1", [rebuild_start]).fetchall()]
        rebuild.record(con, {}, "dev", rebuild_start, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return {"day_batch": day_info, "rebuilt_months": rebuilt, "rebuild_from_date": str(rebuild_start),
            "models": models, "by_kind_s": kind_totals(RUN_RESULTS),
            "tests": node_times(RUN_RESULTS, "test"),
            "profile": build_profile(RUN_RESULTS, target_dir() / "manifest.json",
                                     steps[f"{night}_incremental"]["seconds"])}


def run_backtests(py: str, db: Path, env: dict, steps: dict) -> dict:
    """The backtest as it runs in use: from scratch once (every cut-off, as of
    a month earlier), then the monthly step, where one new month end has
    become a cut-off and the others are cached (SPEC §7.3). Adds the two steps
    to ``steps``; returns their seconds and the backtest's own split."""
    from radar.backtest import backtest_cutoffs, project_vars

    with duckdb_connect(db) as con:
        as_of, first_join = con.execute("select (select as_of_date from intermediate.int_run_parameters), "
                                        "(select min(join_date) from intermediate.int_members)").fetchone()
    settings = project_vars()
    latest = backtest_cutoffs(as_of, first_join, int(settings["backtest_months"]),
                              settings["backtest_horizons"])[-1]
    # the last day on which the latest cut-off was not one yet
    day_before_latest = latest + dt.timedelta(days=max(settings["backtest_horizons"]) - 1)
    backtest = [py, "scripts/backtest.py", "--db", str(db)]
    steps["backtest"] = timed("backtest", [*backtest, "--no-cache", "--as-of", str(day_before_latest)], env)
    steps["backtest_monthly"] = timed("backtest_monthly", backtest, env)
    backtest_split = {**backtest_phases(steps["backtest"].pop("stderr", ""), "backtest"),
                      **backtest_phases(steps["backtest_monthly"].pop("stderr", ""), "backtest_monthly")}
    return {"backtest_s": steps["backtest"]["seconds"],
            "backtest_monthly_s": steps["backtest_monthly"]["seconds"], **backtest_split}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the warehouse (see module doc).")
    parser.add_argument("--size", default="S", choices=["tiny", "demo", "S", "M", "L", "XL"])
    parser.add_argument("--no-backtest", action="store_true",
                        help="leave out the two backtest steps (always left out at XL: twelve cut-offs "
                             "from scratch take hours there, and their goal is set at L)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    args = parser.parse_args(argv)
    py = sys.executable
    base = args.data_dir / f"{args.size}-seed{args.seed}"
    landing, db = base / "landing", base / "bench.duckdb"
    steps: dict[str, dict] = {}
    if not (landing / "manifest.json").exists():
        steps["generate"] = timed("generate", [py, "scripts/generate_demo_data.py", "--out", str(landing),
                                               "--size", args.size, "--seed", str(args.seed), "--force"])
    for stale in base.glob("bench.duckdb*"):
        stale.unlink()
    env = {"RADAR_DB_PATH": str(db)}
    steps["validate_load"] = timed("validate_load", [py, "scripts/radar_run.py", "--landing", str(landing),
                                                     "--db", str(db), "--reload", "--no-build",
                                                     "--docs-dir", str(base / "gx_docs")])
    dbt = str(Path(py).with_name("dbt"))
    # One dbt thread: DuckDB already runs each query on every core, the wall
    # time is the same as with two dbt threads (measured at L), and each
    # model's time is its own instead of including a concurrent model's.
    build = [dbt, "build", "--threads", "1", "--profiles-dir", "profiles"]
    # as `make run` does: every model but the churn marts, the churn scoring
    # step (radar/churn.py: fit + train + score), then the churn marts
    steps["full_build"] = timed("full_build", [*build, "--selector", "nightly"], env)
    full_models = node_times(RUN_RESULTS, "model")
    full_kinds = kind_totals(RUN_RESULTS)
    full_profile = build_profile(RUN_RESULTS, target_dir() / "manifest.json", steps["full_build"]["seconds"])
    core = ancestors(target_dir() / "manifest.json", CORE_MARTS)
    steps["churn_scores"] = timed("churn_scores", [py, "scripts/churn_scores.py", "--db", str(db)])
    steps["churn_marts"] = timed("churn_marts", [*build, "--selector", "churn_marts"], env)
    from radar import rebuild

    with duckdb_connect(db, read_only=False) as con:  # as the pipeline records a complete build
        rebuild.record(con, {}, "dev", None, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    # times the computation only, then checks it equals the marts (exit 1 and the differences if not)
    steps["plain_sql_reference"] = timed("plain_sql_reference", [py, "-m", "radar.reference_sql", "--db", str(db),
                                                                 "--check"])
    plain = {line.split()[0]: float(line.split()[1]) for line in
             steps["plain_sql_reference"].pop("stdout").splitlines() if line.strip()}
    plain_check = next(line for line in steps["plain_sql_reference"]["stderr"].splitlines()
                       if line.startswith("reference == marts"))
    core_runs, plain_runs = core_pairs(py, dbt, env, steps, core, full_models, plain)

    day = base / "day_landing"
    shutil.rmtree(day, ignore_errors=True)
    day.mkdir()
    for batch in sorted(p for p in landing.iterdir() if p.is_dir()):
        (day / batch.name).symlink_to(batch.resolve())
    shutil.copyfile(landing / "manifest.json", day / "manifest.json")  # still the demo data (demo PII key)
    nights = {night: nightly_run(night, py, build, db, day / folder, base, env, steps, args.seed, ages)
              for night, folder, ages in (("daily", "batch_9998_next_day", (90, 150)),
                                          ("recent", "batch_9999_day_after", (0, 30)))}
    steps["full_refresh"] = timed("full_refresh", [*build, "--full-refresh"], env)
    backtest_split = {} if args.no_backtest or args.size == "XL" else run_backtests(py, db, env, steps)
    for s in steps.values():
        s.pop("stdout", None)
        s.pop("stderr", None)

    import duckdb

    cores = os.cpu_count()
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    full_models_s = sum(full_models.values())
    core_s, plain_s = min(core_runs), min(plain_runs)
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cores": cores, "memory_gb": memory_gb, "platform": platform.platform(),
                    "engine": f"DuckDB {duckdb.__version__}, dbt-core 1.12.0, dbt-duckdb 1.11.1"},
        "data": f"{SIZES.get(args.size)}, seed {args.seed}",
        "steps": steps,
        "plain_sql_breakdown_s": plain,
        "plain_sql_check": plain_check,
        "derived": {
            "full_build_models_s": round(full_models_s, 2),
            "core_models_s": round(core_s, 2),
            "plain_sql_s": plain_s,
            "core_ratio_vs_plain_sql": round(core_s / plain_s, 2) if plain_s else None,
            "core_models_runs_s": [round(v, 2) for v in core_runs],
            "plain_sql_runs_s": plain_runs,
            **{f"{night}_share_of_full_build": round(steps[f"{night}_incremental"]["seconds"]
                                                     / steps["full_build"]["seconds"], 3) for night in nights},
            **{f"{night}_end_to_end_share": round(end_to_end_share(steps, night), 3) for night in nights},
            "daily_models_share": round(sum(nights["daily"]["models"].values()) / full_models_s, 3)
            if full_models_s else None,
            "validate_load_s": steps["validate_load"]["seconds"],
            "churn_scores_s": steps["churn_scores"]["seconds"],
            **backtest_split,
            "peak_memory_gb": max(s["peak_rss_gb"] or 0 for s in steps.values()),
        },
        "slowest_models": sorted(full_models.items(), key=lambda kv: -kv[1])[:12],
        "core_slowest_models": sorted(((k, v) for k, v in full_models.items() if k in core),
                                      key=lambda kv: -kv[1])[:10],
        "core_model_count": len(core),
        "model_times_s": full_models,
        "full_build_by_kind_s": full_kinds,
        "full_build_profile": full_profile,
        "nights": {night: {
            "day_batch": n["day_batch"], "rebuilt_months": n["rebuilt_months"],
            "rebuild_from_date": n["rebuild_from_date"], "models_s": round(sum(n["models"].values()), 2),
            "slowest_models": sorted(n["models"].items(), key=lambda kv: -kv[1])[:8],
            "by_kind_s": n["by_kind_s"], "profile": n["profile"],
            "slowest_tests": sorted(n["tests"].items(), key=lambda kv: -kv[1])[:8],
        } for night, n in nights.items()},
    }
    DOCS.mkdir(exist_ok=True)
    store = DOCS / "benchmarks.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    previous = results.get(args.size) or {}
    if "generate" not in steps and previous.get("data") == result["data"]:
        # cached data: keep the generator's figures from the run that made it
        generated = (previous.get("steps") or {}).get("generate")
        if generated:
            result["steps"] = {"generate": {**generated, "cached": True}, **steps}
    results[args.size] = result
    store.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (DOCS / "benchmarks.md").write_text(render_markdown(results))
    log(f"[bench] wrote {store} and {DOCS / 'benchmarks.md'}")
    print(json.dumps(result["derived"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
