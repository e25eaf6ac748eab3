"""``make backtest``: how well every member warning and churn score foretold churn (SPEC §7.1, §7.3).

The backtest is its own step, never part of the nightly ``make run``. On a
built warehouse it

1. picks the cut-offs: the last days of the most recent ``backtest_months``
   complete months with c + max(``backtest_horizons``) ≤ as_of_date (the
   warehouse's as_of_date, or an earlier ``--as-of``);
2. fingerprints, per cut-off, the data that cut-off reads (orders dated up to
   c + the longest horizon; members, memberships, groups and mentors as known
   on c) and the project's code and configuration; a cut-off already computed
   on the same fingerprint is not computed again (the cache is
   ``intermediate.int_backtest_results``);
3. writes the churn scores as of each cut-off to compute
   (``radar.churn.scores_as_of``) into ``backtest.churn_scores``, and the
   cut-offs each dbt build computes into ``backtest.cutoffs``;
4. runs ``dbt build --selector backtest``: the member alerts of every day of
   each cut-off's window by the warehouse's own macros, the population and
   outcomes, the figures, and ``marts.alert_backtest`` for the current
   cut-offs, with their tests.

All or nothing, like the pipeline: it works on a copy of the warehouse file
and swaps it in only when everything succeeded. A cut-off's rows depend only
on the data up to c + the longest horizon, never on which other cut-offs were
computed with it or when.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from radar import rebuild
from radar.loader import log
from radar.pipeline import DEFAULT_DB, ENVIRONMENT_VARS, dbt_session
from radar.rebuild import code_digest

Scorer = Callable[[object, dt.date], pd.DataFrame]

SCORE_COLUMNS = ("member_id", "churn_risk", "p_alive", "expected_purchases_90d")
#: optional: the value at risk that ranks the backtest's task list (null when absent)
OPTIONAL_SCORE_COLUMNS = ("expected_value_90d",)
#: What the code fingerprint covers: any change here recomputes every cut-off.
CODE_PATHS = ("models", "macros", "seeds", "dbt_project.yml", "selectors.yml",
              "radar/backtest.py", "radar/churn.py")


class BacktestError(Exception):
    """The backtest cannot run on this warehouse; the message is one line for the user."""


def project_vars() -> dict:
    return rebuild.project_vars({})


def month_last_day(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def backtest_cutoffs(as_of: dt.date, first_day: dt.date, months: int, horizons: list[int]) -> list[dt.date]:
    """SPEC §7.1: the last days c of the most recent ``months`` complete months with c + max(horizons) ≤ as_of.

    Only months from the month of ``first_day`` (the first join date) on: fewer
    cut-offs when the history is shorter. Oldest first.
    """
    latest = as_of - dt.timedelta(days=max(horizons))
    candidate = month_last_day(latest)
    if candidate > latest:
        candidate = latest.replace(day=1) - dt.timedelta(days=1)
    cutoffs: list[dt.date] = []
    while len(cutoffs) < months and candidate >= month_last_day(first_day):
        cutoffs.append(candidate)
        candidate = candidate.replace(day=1) - dt.timedelta(days=1)
    return sorted(cutoffs)


def code_fingerprint(extra: dict) -> str:
    return code_digest(CODE_PATHS, repr(sorted(extra.items())))


#: Order-independent sums of row hashes (and row counts) of the data a cut-off
#: c reads: orders dated up to c + the longest horizon and their lines (so a
#: late refund or a changed category counts), members joined by c, and
#: memberships, groups and mentors as known on c (an end date after c reads as
#: none).
DATA_FINGERPRINT_SQL = """
with
cutoffs as (select unnest(cast(? as date[])) as cutoff_date),
dated_orders as (
    -- read once (the local date is computed per row), for the orders and for their lines' dates
    select order_id, order_date, hash(order_id, member_id, status, ordered_at_utc) as h
    from staging.stg_landing__orders
),
order_rows as (
    select order_date, h from dated_orders
    union all
    select o.order_date, hash(i.order_id, i.line_no, i.sku, i.category_code, i.quantity, i.line_amount,
                              i.refunded_amount) as h
    from staging.stg_landing__order_items as i
    inner join dated_orders as o on o.order_id = i.order_id
),
daily_orders as (
    select order_date, sum(cast(h as hugeint)) as h, count(*) as n from order_rows group by 1
),
orders as (
    select cutoffs.cutoff_date, sum(daily_orders.h) as h, sum(daily_orders.n) as n
    from cutoffs inner join daily_orders on daily_orders.order_date <= cutoffs.cutoff_date + ?
    group by 1
),
members as (
    select cutoffs.cutoff_date,
           sum(cast(hash(m.member_id, m.tier, m.joined_at_utc, m.referrer_member_id, m.province) as hugeint)) as h,
           count(*) as n
    from cutoffs inner join staging.stg_landing__members as m on m.join_date <= cutoffs.cutoff_date
    group by 1
),
memberships as (
    select cutoffs.cutoff_date,
           sum(cast(hash(g.member_id, g.group_id, g.joined_at_utc,
                         case when g.left_date <= cutoffs.cutoff_date then g.left_at_utc end) as hugeint)) as h,
           count(*) as n
    from cutoffs inner join staging.stg_landing__group_memberships as g on g.joined_date <= cutoffs.cutoff_date
    group by 1
),
groups_known as (
    select cutoffs.cutoff_date,
           sum(cast(hash(g.group_id, g.mentor_id, g.created_at_utc,
                         case when g.closed_date <= cutoffs.cutoff_date then g.closed_at_utc end) as hugeint)) as h,
           count(*) as n
    from cutoffs inner join staging.stg_landing__groups as g on g.created_date <= cutoffs.cutoff_date
    group by 1
),
mentors as (
    select cutoffs.cutoff_date,
           sum(cast(hash(t.mentor_id, t.hired_at_utc,
                         case when t.left_date <= cutoffs.cutoff_date then t.left_at_utc end) as hugeint)) as h,
           count(*) as n
    from cutoffs inner join staging.stg_landing__mentors as t on t.hired_date <= cutoffs.cutoff_date
    group by 1
)
select cutoffs.cutoff_date,
       concat_ws('|', orders.h, orders.n, members.h, members.n, memberships.h, memberships.n,
                 groups_known.h, groups_known.n, mentors.h, mentors.n) as data_hash
from cutoffs
left join orders using (cutoff_date)
left join members using (cutoff_date)
left join memberships using (cutoff_date)
left join groups_known using (cutoff_date)
left join mentors using (cutoff_date)
order by 1
"""


def data_fingerprints(con, cutoffs: list[dt.date], horizons: list[int], code: str) -> dict[dt.date, str]:
    rows = con.execute(DATA_FINGERPRINT_SQL, [cutoffs, max(horizons)]).fetchall()
    return {cutoff: hashlib.sha256(f"{code}|{cutoff}|{data}".encode()).hexdigest()[:32]
            for cutoff, data in rows}


def cached_fingerprints(con) -> dict[dt.date, str]:
    exists = con.execute("""
        select count(*) from information_schema.tables
        where table_schema = 'intermediate' and table_name = 'int_backtest_results'
    """).fetchone()[0]
    if not exists:
        return {}
    return dict(con.execute(
        "select distinct cutoff_date, data_fingerprint from intermediate.int_backtest_results").fetchall())


def default_scorer() -> Scorer:
    """The warehouse's own scores as of a cut-off: radar.churn's learned model and BG/NBD.

    A member without a purchase has no BG/NBD expectation (SPEC §7.2: null in
    member_churn_risk), and in the BG/NBD fallback no churn_risk either. The
    backtest ranks every member of the population, so it reads those as what
    they say about her: 0 expected purchases, churn_risk 1 (never bought, no
    evidence she will). Ranking them lowest instead would put the members most
    likely to churn (new members who never bought) at the bottom.
    """

    from radar.churn import scores_as_of

    @functools.wraps(scores_as_of)
    def scores(con, cutoff):
        frame = scores_as_of(con, cutoff)
        return frame.fillna({"expected_purchases_90d": 0.0, "churn_risk": 1.0})

    return scores


def _scores_of(con, cutoffs: list[dt.date], scorer: Scorer) -> list[pd.DataFrame]:
    """The scorer's scores as of each cut-off, RADAR_CHURN_JOBS (default 2) at a time (radar.churn._in_parallel).

    Each cut-off's scores are independent of the others' (deterministic, read
    only): two at once keep both cores busy where one cut-off's scoring leaves
    one idle (the classifier's fit and prediction run on one thread).
    """
    from radar.churn import _in_parallel

    def one(cutoff: dt.date) -> pd.DataFrame:
        cursor = con.cursor()  # a DuckDB connection is used by one thread at a time
        try:
            scores = scorer(cursor, cutoff)
        finally:
            cursor.close()
        missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
        if missing:
            raise BacktestError(f"the churn scores as of {cutoff} lack the column(s) {', '.join(missing)}")
        frame = scores.reindex(columns=[*SCORE_COLUMNS, *OPTIONAL_SCORE_COLUMNS])
        frame.insert(0, "cutoff_date", cutoff)
        return frame

    return _in_parallel(*[functools.partial(one, cutoff) for cutoff in cutoffs])


def write_scores(con, cutoffs: list[dt.date], scorer: Scorer) -> None:
    frames = _scores_of(con, cutoffs, scorer)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["cutoff_date", *SCORE_COLUMNS, *OPTIONAL_SCORE_COLUMNS])
    table = table.astype({"cutoff_date": "datetime64[s]", "member_id": "string", "churn_risk": "float64",
                          "p_alive": "float64", "expected_purchases_90d": "float64",
                          "expected_value_90d": "float64"})
    con.execute("create schema if not exists backtest")
    con.register("scores_frame", table)
    con.execute("""
        create or replace table backtest.churn_scores as
        select cast(cutoff_date as date) as cutoff_date, cast(member_id as varchar) as member_id,
               churn_risk, p_alive, expected_purchases_90d, expected_value_90d
        from scores_frame
    """)
    con.unregister("scores_frame")
    duplicates = con.execute("""
        select count(*) from (select cutoff_date, member_id from backtest.churn_scores group by 1, 2
                              having count(*) > 1)
    """).fetchone()[0]
    if duplicates:
        raise BacktestError(f"the churn scores hold {duplicates} duplicate (cut-off, member) row(s)")


def write_cutoffs(con, fingerprints: dict[dt.date, str]) -> None:
    """The cut-offs one dbt build computes, with their data fingerprints (source backtest.cutoffs)."""
    con.execute("create schema if not exists backtest")
    con.execute("create or replace table backtest.cutoffs (cutoff_date date, data_fingerprint varchar)")
    if fingerprints:
        con.executemany("insert into backtest.cutoffs values (?, ?)", list(fingerprints.items()))


def run(
    db_path: Path = DEFAULT_DB,
    as_of: str | None = None,
    months: int | None = None,
    horizons: list[int] | None = None,
    scorer: Scorer | None = None,
    use_cache: bool = True,
    wait_seconds: float = 0.0,
    unit_tests: bool = True,
) -> dict:
    """Run the backtest on ``db_path`` (all or nothing); returns what it did.

    Holds the warehouse's run lock (radar.runlock) like ``make run``: a
    backtest and a nightly run never work on the same warehouse at once.
    unit_tests=False leaves the backtest's dbt unit tests out of its first build (they
    check hand-worked rows, not the warehouse's: ``make test-fast`` runs them once).
    """
    from radar.runlock import RunLock

    with RunLock(Path(db_path).resolve(), wait_seconds):
        return _run_locked(db_path, as_of, months, horizons, scorer, use_cache, unit_tests)


def _run_locked(db_path, as_of, months, horizons, scorer, use_cache, unit_tests=True) -> dict:
    import duckdb

    from radar.runlock import wal_path, work_path

    started = time.monotonic()
    settings = project_vars()
    per_build = int(os.environ.get("RADAR_BACKTEST_CUTOFFS_PER_BUILD", "3"))
    if per_build < 1:
        raise BacktestError("RADAR_BACKTEST_CUTOFFS_PER_BUILD must be at least 1")
    months = int(settings["backtest_months"] if months is None else months)
    horizons = sorted(int(h) for h in (settings["backtest_horizons"] if horizons is None else horizons))
    if months < 1 or not horizons or min(horizons) < 1:
        raise BacktestError("backtest months and horizons must be positive")
    if scorer is None:
        scorer = default_scorer()
    db_path = Path(db_path).resolve()
    if not db_path.exists():
        raise BacktestError(f"no warehouse at {db_path}; build it first (make demo or make run)")

    work = work_path(db_path)
    shutil.copyfile(db_path, work)
    try:
        with duckdb.connect(str(work)) as con:
            try:
                warehouse_as_of, first_join = con.execute("""
                    select (select as_of_date from intermediate.int_run_parameters),
                           (select min(join_date) from intermediate.int_members)
                """).fetchone()
            except duckdb.Error as exc:
                raise BacktestError(f"{db_path} is not a built warehouse ({str(exc).splitlines()[0]}); "
                                    "run make run first") from exc
            if warehouse_as_of is None or first_join is None:
                raise BacktestError(f"the warehouse {db_path} holds no members or orders yet")
            backtest_as_of = dt.date.fromisoformat(as_of) if as_of else warehouse_as_of
            if backtest_as_of > warehouse_as_of:
                raise BacktestError(f"as_of {backtest_as_of} is after the warehouse's as_of_date "
                                    f"{warehouse_as_of}; rebuild the warehouse with that AS_OF first")
            cutoffs = backtest_cutoffs(backtest_as_of, first_join, months, horizons)
            code = code_fingerprint({"horizons": horizons, "scorer": getattr(scorer, "__module__", "?")})
            fingerprints = data_fingerprints(con, cutoffs, horizons, code) if cutoffs else {}
            cached = cached_fingerprints(con) if use_cache else {}
            todo = [c for c in cutoffs if cached.get(c) != fingerprints[c]]
            full_refresh = not use_cache or (bool(cached) and len(todo) == len(cutoffs) and bool(cutoffs))
            log(f"backtest as of {backtest_as_of}: {len(cutoffs)} cut-off(s) "
                f"({cutoffs[0] if cutoffs else '-'} … {cutoffs[-1] if cutoffs else '-'}), horizons "
                f"{', '.join(map(str, horizons))} days; {len(todo)} to compute, "
                f"{len(cutoffs) - len(todo)} unchanged since computed")
            scoring_started = time.monotonic()
            write_scores(con, todo, scorer)
            scoring_seconds = time.monotonic() - scoring_started
        dbt_vars = {
            # these three change from run to run: they reach dbt as environment variables
            # (radar.pipeline.dbt_session, macro run_var), so dbt keeps its parse
            "backtest_report_cutoffs": [str(c) for c in cutoffs],
            "backtest_as_of_date": str(backtest_as_of),
            "backtest_score_source": getattr(scorer, "__module__", None) or "unknown",
            # these two as --vars, only when they differ from the project's
            "backtest_horizons": horizons,
            # every member on every window day instead of her event days: the same
            # result at about three times the work (the check of int_backtest_member_days)
            "backtest_evaluate_every_day": os.environ.get("RADAR_BACKTEST_EVERY_DAY", "") == "1",
        }
        dbt_vars = {name: value for name, value in dbt_vars.items()
                    if name in ENVIRONMENT_VARS or value != settings.get(name)}
        dbt_started = time.monotonic()
        # Three cut-offs per dbt build by default, measured at L from scratch (12 cut-offs,
        # one run each, 2026-12-02, ~5.7M member-days a cut-off): 1 per build 449 s, 2 368 s,
        # 3 285 s, 4 297 s (each build then had ~5 s of dbt start-up; the builds now share one
        # dbt process, radar.pipeline.dbt_session) plus its data tests. Twelve at
        # once spilled more than 35 GB under the 3GB memory cap (with the older 8M
        # member-days a cut-off). The cut-offs are a table (not a var), so dbt reuses its
        # parse. A cut-off's rows do not depend on which others are built with it
        # (int_backtest_results), so the result is the same (test_backtest).
        chunks = [todo[i:i + per_build] for i in range(0, len(todo), per_build)] or [[]]
        with dbt_session(work, dbt_vars) as dbt:  # one dbt process for every build
            for i, chunk in enumerate(chunks):
                if len(chunks) > 1:
                    log(f"  cut-offs {', '.join(map(str, chunk))} (build {i + 1} of {len(chunks)})")
                # the build's cut-offs are a table, not a var: the same vars for every build let
                # dbt reuse its parse (a changed var re-parses the whole project, ~5 s a build)
                with duckdb.connect(str(work)) as con:
                    write_cutoffs(con, {c: fingerprints[c] for c in chunk})
                # the backtest's unit tests (hand-worked rows, independent of the data) run in the
                # first build only: each costs ~0.5 s, in every build they would add ~5 s a build
                dbt.run(["build", "--selector", "backtest" if i == 0 and unit_tests else "backtest_without_unit_tests",
                         *(["--full-refresh"] if full_refresh and i == 0 else [])])
        dbt_seconds = time.monotonic() - dbt_started
        with duckdb.connect(str(work)) as con:
            # the scores input goes; backtest.cutoffs (the last build's cut-offs) stays, as the
            # backtest's views read it
            con.execute("drop table if exists backtest.churn_scores")
            summary = con.execute("""
                select alert_code, avg(precision), avg(recall), avg(lift), avg(auc), avg(base_rate)
                from marts.alert_backtest where horizon_days = ?
                group by 1 order by 1
            """, [max(horizons)]).fetchall()
        os.replace(work, db_path)
    except BaseException:
        for leftover in (work, wal_path(work)):
            leftover.unlink(missing_ok=True)
        raise
    seconds = time.monotonic() - started
    if summary:
        print(f"mean over the cut-offs, horizon {max(horizons)} days:", flush=True)
        print(f"{'code':<22}{'precision':>10}{'recall':>9}{'lift':>7}{'auc':>7}{'base':>7}", flush=True)
        for code, precision, recall, lift, auc, base in summary:
            cells = [f"{v:.3f}" if v is not None else "–" for v in (precision, recall, lift, auc, base)]
            print(f"{code:<22}{cells[0]:>10}{cells[1]:>9}{cells[2]:>7}{cells[3]:>7}{cells[4]:>7}", flush=True)
    log(f"alert_backtest written to {db_path} in {seconds:.1f} s "
        f"(scores {scoring_seconds:.1f} s, dbt {dbt_seconds:.1f} s)")
    return {"as_of": backtest_as_of, "cutoffs": cutoffs, "computed": todo,
            "seconds": seconds, "scoring_seconds": scoring_seconds, "dbt_seconds": dbt_seconds}


def main(argv: list[str] | None = None) -> int:
    from radar.pipeline import stop_on_sigterm
    from radar.runlock import WarehouseBusy

    stop_on_sigterm()

    parser = argparse.ArgumentParser(
        description="Backtest every member warning and churn score against what happened next "
                    "(marts.alert_backtest, SPEC §7.3). Works on a copy; all or nothing.")
    parser.add_argument("--db", type=Path, default=None,
                        help="warehouse file (default: $RADAR_DB_PATH, else warehouse/radar.duckdb)")
    parser.add_argument("--as-of", help="as_of_date the cut-offs are chosen for (YYYY-MM-DD; default: the "
                                        "warehouse's); not after the warehouse's")
    parser.add_argument("--months", type=int, default=None, help="cut-offs (default: var backtest_months)")
    parser.add_argument("--horizons", default=None,
                        help="comma-separated horizons in days (default: var backtest_horizons)")
    parser.add_argument("--no-cache", action="store_true", help="recompute every cut-off")
    args = parser.parse_args(argv)
    db = args.db or Path(os.environ.get("RADAR_DB_PATH") or DEFAULT_DB)
    try:
        if args.as_of:
            dt.date.fromisoformat(args.as_of)
        horizons = [int(h) for h in args.horizons.split(",")] if args.horizons else None
        run(db, args.as_of, args.months, horizons, use_cache=not args.no_cache)
    except WarehouseBusy as exc:
        print(f"error: {exc}. The warehouse is unchanged.", file=sys.stderr)
        return 3
    except (BacktestError, ValueError) as exc:
        print(f"error: {exc}. The warehouse is unchanged.", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}. The warehouse is unchanged.", file=sys.stderr)
        return 1
    return 0
