"""`make bench SIZE=S|M|L`: time the warehouse end to end and against plain SQL.

Each step runs as a whole process under ``/usr/bin/time -v`` (peak memory):

1. generate the landing data once (cached by size and seed under data/bench/);
2. validate + load every batch into a fresh warehouse (``--reload --no-build``);
3. full ``dbt build`` (per-model times from target/run_results.json);
4. the hand-written DuckDB reference for the four core marts
   (:mod:`radar.reference_sql`) on the same warehouse, same minute, then
   (untimed) its equality with the built marts, cell by cell: a difference
   fails the bench;
5. a daily run: one new day's batch (new orders and late refunds on orders
   months old) validated, loaded and built incrementally;
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


def end_to_end_share(steps: dict) -> float:
    """A nightly run end to end (the day batch's validate + load and build) over a full one (#15)."""
    seconds = {name: step["seconds"] for name, step in steps.items()}
    return ((seconds["daily_validate_load"] + seconds["daily_incremental"])
            / (seconds["validate_load"] + seconds["full_build"]))


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


def make_day_batch(db: Path, out: Path, seed: int) -> dict:
    """One new day: orders on as_of + 1 and late refunds on lines 90 to 150
    days old (after-sales refunds arrive months late, not years late)."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"select setseed({(seed % 1000) / 1000})")
        as_of = con.execute("select max(order_date) from staging.stg_landing__orders").fetchone()[0]
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
                    where o.order_date between date '{as_of}' - 150 and date '{as_of}' - 90
                      and i.refunded_amount = 0
                      and hash(i.order_id, i.line_no) % 200 = 0
                )
            ) to '{out / "order_items.csv"}' (header, delimiter ',')""")
        counts = {
            "orders": con.execute(f"select count(*) from read_csv('{out / 'orders.csv'}')").fetchone()[0],
            "order_items": con.execute(
                f"select count(*) from read_csv('{out / 'order_items.csv'}')").fetchone()[0],
        }
    return {"day": str(as_of), "rows": counts}


def kinds(totals: dict | None) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted((totals or {}).items())) or "—"


def render_markdown(results: dict) -> str:
    lines = ["# Benchmarks", "",
             "Written by `make bench SIZE=…` (radar/bench.py); every figure is measured, none is "
             "asserted in a test. Each step is a whole process timed with `/usr/bin/time -v`.", "",
             "Goals of the open issues (#13, #15), at L: the four core outputs ≤ 2× the plain-SQL "
             "reference; a nightly run ≤ 25 % of a full build; validation + load ≤ 60 s; churn fit + "
             "score ≤ 20 s; the backtest ≤ 5 min; peak memory of any step ≤ 4 GB.", ""]
    for size, r in sorted(results.items(), key=lambda kv: "SML".find(kv[0]) if kv[0] in "SML" else 9):
        m = r["machine"]
        lines += [f"## {size} — {SIZES.get(size, '')}", "",
                  f"Measured {r['measured_at']} on {m['cores']} cores, {m['memory_gb']} GB, "
                  f"{m['engine']}; data: {r['data']}.", "",
                  "| step | wall s | peak RSS GB |", "| --- | ---: | ---: |"]
        for step, s in r["steps"].items():
            label = f"{step} (cached data; figures of the run that generated it)" if s.get("cached") else step
            lines.append(f"| {label} | {s['seconds']:.1f} | {s['peak_rss_gb'] if s['peak_rss_gb'] is not None else '—'} |")
        d = r["derived"]
        lines += ["", "| measure | value | goal |", "| --- | ---: | --- |",
                  f"| dbt models (sum of model times, full build) | {d['full_build_models_s']:.1f} s | ≤ 90 s at L |",
                  f"| four core outputs in the warehouse (their models and ancestors) | {d['core_models_s']:.1f} s | |",
                  f"| plain-SQL reference{' (equal to the four marts, cell by cell)' if r.get('plain_sql_check') else ''} "
                  f"| {d['plain_sql_s']:.1f} s | |",
                  f"| ratio warehouse / plain SQL | {d['core_ratio_vs_plain_sql']:.2f} | {GOALS['core_ratio_vs_plain_sql']} |",
                  f"| daily incremental `dbt build` / full `dbt build` (wall) | {d['daily_share_of_full_build']:.2f} | |",
                  f"| nightly end to end (day batch load + build) / full (load + build) "
                  f"| {end_to_end_share(r['steps']):.2f} | {GOALS['daily_share_of_full_build']} |",
                  f"| daily model time / full model time | {d.get('daily_models_share') or 0:.2f} | |",
                  f"| seconds by node kind, full build | {kinds(r.get('full_build_by_kind_s'))} | |",
                  f"| seconds by node kind, daily build | {kinds(r.get('daily_by_kind_s'))} | |",
                  f"| validation + load | {d['validate_load_s']:.1f} s | {GOALS['validate_load_s']} |",
                  *([f"| churn scoring step (features, fits, training, scores; whole process) "
                     f"| {d['churn_scores_s']:.1f} s | {GOALS['churn_scores_s']} |"] if "churn_scores_s" in d else []),
                  *[f"| backtest, {label} ({d.get(step + '_cutoffs', '?')} cut-off(s) computed: scores "
                    f"{d.get(step + '_scores_s', float('nan')):.1f} s, dbt {d.get(step + '_dbt_s', float('nan')):.1f} s) "
                    f"| {d[step + '_s']:.1f} s | {GOALS['backtest_s']} |"
                    for step, label in (("backtest", "from scratch"),
                                        ("backtest_monthly", "monthly step: one new month end"))
                    if step + "_s" in d],
                  f"| peak memory, any step | {d['peak_memory_gb']:.2f} GB | {GOALS['peak_memory_gb']} |", "",
                  "Slowest models (full build):", "", "| model | s |", "| --- | ---: |"]
        for name, seconds in r["slowest_models"]:
            lines.append(f"| {name} | {seconds:.2f} |")
        if r.get("daily_slowest_models"):
            months = r.get("daily_rebuilt_months") or []
            lines += ["", f"Daily run: the day batch ({r['day_batch']['rows']}) rebuilt {len(months)} month(s) "
                      f"({', '.join(m[:7] for m in months)}); sum of model times {r['daily_models_s']:.1f} s. "
                      "Slowest models:", "", "| model | s |", "| --- | ---: |"]
            for name, seconds in r["daily_slowest_models"]:
                lines.append(f"| {name} | {seconds:.2f} |")
            if r.get("daily_slowest_tests"):
                lines += ["", "Slowest data tests of the daily run:", "", "| test | s |", "| --- | ---: |"]
                for name, seconds in r["daily_slowest_tests"]:
                    lines.append(f"| {name} | {seconds:.2f} |")
        if r.get("notes"):
            lines += ["", r["notes"]]
        lines.append("")
    return "\n".join(lines)


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

    day = base / "day_landing"
    shutil.rmtree(day, ignore_errors=True)
    day.mkdir()
    for batch in sorted(p for p in landing.iterdir() if p.is_dir()):
        (day / batch.name).symlink_to(batch.resolve())
    shutil.copyfile(landing / "manifest.json", day / "manifest.json")  # still the demo data (demo PII key)
    day_info = make_day_batch(db, day / "batch_9999_next_day", args.seed)
    steps["daily_validate_load"] = timed("daily_validate_load", [
        py, "scripts/radar_run.py", "--landing", str(day), "--db", str(db), "--no-build",
        "--docs-dir", str(base / "gx_docs")])
    with duckdb_connect(db) as con:  # the rebuild start the pipeline would pass
        rebuild_start, _ = rebuild.rebuild_from(con, rebuild.last_build(con), {}, "dev")
    steps["daily_incremental"] = timed("daily_incremental", [
        *build, "--vars", json.dumps({"rebuild_from_date": str(rebuild_start)})], env)
    daily_models = node_times(RUN_RESULTS, "model")
    daily_kinds = kind_totals(RUN_RESULTS)
    daily_tests = node_times(RUN_RESULTS, "test")
    with duckdb_connect(db) as con:
        rebuilt = [str(m) for (m,) in con.execute(
            "select month from intermediate.int_months where month >= date_trunc('month', ?::date) "
            "order by 1", [rebuild_start]).fetchall()]
    steps["full_refresh"] = timed("full_refresh", [*build, "--full-refresh"], env)
    backtest_split = {} if args.no_backtest or args.size == "XL" else run_backtests(py, db, env, steps)
    for s in steps.values():
        s.pop("stdout", None)
        s.pop("stderr", None)

    import duckdb

    cores = os.cpu_count()
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    full_models_s = sum(full_models.values())
    core_s = sum(v for k, v in full_models.items() if k in core)
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cores": cores, "memory_gb": memory_gb, "platform": platform.platform(),
                    "engine": f"DuckDB {duckdb.__version__}, dbt-core 1.12.0, dbt-duckdb 1.11.1"},
        "data": f"{SIZES.get(args.size)}, seed {args.seed}",
        "day_batch": day_info,
        "steps": steps,
        "plain_sql_breakdown_s": plain,
        "plain_sql_check": plain_check,
        "derived": {
            "full_build_models_s": round(full_models_s, 2),
            "core_models_s": round(core_s, 2),
            "plain_sql_s": plain.get("total", 0.0),
            "core_ratio_vs_plain_sql": round(core_s / plain["total"], 2) if plain.get("total") else None,
            "daily_share_of_full_build": round(steps["daily_incremental"]["seconds"]
                                               / steps["full_build"]["seconds"], 3),
            "daily_models_share": round(sum(daily_models.values()) / full_models_s, 3) if full_models_s else None,
            "validate_load_s": steps["validate_load"]["seconds"],
            "churn_scores_s": steps["churn_scores"]["seconds"],
            **backtest_split,
            "peak_memory_gb": max(s["peak_rss_gb"] or 0 for s in steps.values()),
        },
        "slowest_models": sorted(full_models.items(), key=lambda kv: -kv[1])[:12],
        "model_times_s": full_models,
        "daily_rebuilt_months": rebuilt,
        "daily_slowest_models": sorted(daily_models.items(), key=lambda kv: -kv[1])[:8],
        "daily_models_s": round(sum(daily_models.values()), 2),
        "full_build_by_kind_s": full_kinds,
        "daily_by_kind_s": daily_kinds,
        "daily_slowest_tests": sorted(daily_tests.items(), key=lambda kv: -kv[1])[:8],
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
