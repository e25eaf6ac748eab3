"""``make run``: validate → load → ``dbt build``, all or nothing.

The warehouse file is never written in place. The run copies it (or starts an
empty one), loads the new batches into the copy, runs ``dbt build`` against the
copy, and only then moves the copy over the warehouse. Any failure — a
structural fault, a broken accounting identity, a failing dbt test — leaves the
last good warehouse as it was.

``--target postgres`` / ``--target spark`` run the models on another engine
(docs/engines.md). The DuckDB file stays the system of record for the landing
tables, the quarantine and the accounting; after loading into the copy and
before swapping it in, the landing schema is published to the engine
(:mod:`radar.engines`) and ``dbt build --target <engine>`` runs there. A failed
build puts the engine's landing tables back as the last good DuckDB file has
them (PostgreSQL: republished in one transaction; Spark: the previous Parquet
folders renamed back); each model dbt swapped in before the failure keeps its
new contents (on PostgreSQL every model is replaced atomically; on Spark a
model is dropped and recreated), so rerun once the cause is fixed.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from radar import erasure, rebuild
from radar.history import carry_audit, check_reload
from radar.loader import (
    DEFAULT_CHUNK_ROWS,
    StructuralError,
    check_structure,
    discover,
    ensure_landing,
    load_batches,
    loaded_batches,
    log,
    summary_table,
)
from radar.phases import timed
from radar.pii import PiiKeyError, PiiStore, check_key_matches, resolve_key, rewrite
from radar.processes import stop
from radar.runlock import RunLock, WarehouseBusy, recover_wal, wal_path, work_path, writer_guard
from radar.timegate import TimeGate

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "radar.duckdb"
TARGETS = ("dev", "postgres", "spark")
#: the name dbt opens every DuckDB warehouse by (see _stable_duckdb_path)
DBT_CATALOG_FILE = "radar.duckdb"


def target_dir(env=os.environ) -> Path:
    """dbt's target folder: DBT_TARGET_PATH when set (as dbt reads it), else target/."""
    return Path(env.get("DBT_TARGET_PATH") or PROJECT_ROOT / "target")


#: the GX Data Docs go beside dbt's artefacts
DEFAULT_DOCS = target_dir() / "gx_data_docs"


def default_db(target: str = "dev") -> Path:
    """The DuckDB file of a target: the warehouse for dev, the landing store otherwise."""
    if target == "dev":
        return DEFAULT_DB
    return PROJECT_ROOT / "warehouse" / f"landing-{target}.duckdb"


def dbt_executable(target: str | None = None) -> str:
    if target == "spark":
        from radar.engines import spark_dbt_executable

        return spark_dbt_executable()
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else "dbt"


def run_dbt(command: list[str], db_path: Path, dbt_vars: dict, target: str | None = None) -> None:
    """One dbt command on ``db_path`` (see :func:`dbt_session`)."""
    with dbt_session(db_path, dbt_vars, target) as dbt:
        dbt.run(command)


#: the vars dbt reads through macro run_var, passed as environment variables RADAR_<NAME>
#: (a list as JSON): the nightly run's and the backtest's, which change from run to run
ENVIRONMENT_VARS = rebuild.RUN_VARS | {"backtest_report_cutoffs", "backtest_as_of_date", "backtest_score_source"}
#: the dbt process of a session (radar/dbt_session.py, run as a file)
SESSION_WORKER = Path(__file__).with_name("dbt_session.py")


@contextlib.contextmanager
def dbt_session(db_path: Path, dbt_vars: dict, target: str | None = None):
    """A dbt process for the dbt commands of one step on ``db_path``: ``session.run([...])``
    runs one, its output in a log beside the warehouse, progress and dbt's summary on the
    console; a failed command raises RuntimeError. Python and dbt start once for all of
    them (radar/dbt_session.py), with the vars of the step."""
    from radar.engines import engine_environment

    env = engine_environment(target or "dev", dict(os.environ))
    env["RADAR_DB_PATH"] = str(db_path)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["PYTHONUNBUFFERED"] = "1"  # dbt's lines reach the log as it prints them
    # the vars that change from run to run go through the environment (macro run_var):
    # a changed --vars makes dbt re-parse the whole project (~5 s), a changed
    # environment variable only the files that read it
    dbt_vars = dict(dbt_vars)
    for name in sorted(ENVIRONMENT_VARS):
        value = dbt_vars.pop(name, None)
        env.pop(f"RADAR_{name.upper()}", None)
        if value is not None:
            env[f"RADAR_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    with _stable_duckdb_path(db_path, env, target) as cwd:
        # the Python beside the target's dbt (the Spark target has its own environment)
        python = Path(dbt_executable(target)).with_name("python")
        python = str(python) if python.exists() else sys.executable
        keep = os.environ.get("RADAR_DBT_KEEP_PROCESS") == "1"
        key = (python, str(SESSION_WORKER))
        process = _KEPT.pop(key, None) if keep else None
        if process is None or process.poll() is not None:
            process = subprocess.Popen(
                [python, str(SESSION_WORKER)], env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
        try:
            yield DbtSession(process, db_path, dbt_vars, target, env, cwd)
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM via stop_on_sigterm) or a failed command: dbt must
            # not go on writing to a work file the caller is about to delete
            stop(process, grace_seconds=15)
            raise
        if keep and key not in _KEPT:  # (a session of another thread may have put its own back)
            _KEPT[key] = process  # for the next session of this Python process
            return
        _end_session(process)


#: RADAR_DBT_KEEP_PROCESS=1: a Python process that runs the pipeline again and again (the
#: test suite in make test-fast) keeps its dbt process between sessions, one per Python
#: executable and session script, instead of starting Python and dbt and loading the
#: project's parse again (a tiny run: about 8 s instead of 14); each command still brings
#: its own environment and folder, and a failed or interrupted one ends the process
_KEPT: dict[tuple[str, str], subprocess.Popen] = {}


def _end_session(process: subprocess.Popen) -> None:
    assert process.stdin is not None
    process.stdin.close()  # every command is done: the process ends
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stop(process, grace_seconds=15)


@atexit.register
def _end_kept_sessions() -> None:
    while _KEPT:
        _end_session(_KEPT.popitem()[1])


@contextlib.contextmanager
def _stable_duckdb_path(db_path: Path, env: dict, target: str | None):
    """DuckDB runs: dbt opens every warehouse under one name, ``radar.duckdb``.

    dbt re-parses the whole project (about 6 s) whenever the profile changes, and
    the profile holds the DuckDB path: a new work file every run
    (``<db>.building-<pid>``), and another name for every warehouse. So dbt runs
    in a private folder beside the work file, ``<work file>.dbt``, holding a hard
    link ``radar.duckdb`` to it, with that relative name as the path: every run
    with the same vars reuses dbt's partial parse, whichever warehouse it builds.
    A hard link, because DuckDB names a file's catalog after the file it opens
    and follows a symbolic link to its target. The catalog dbt builds in is thus
    ``radar`` for every warehouse, and nothing stored depends on it: DuckDB keeps
    a view's query without its own catalog, and no model names a database. Where
    the file system refuses a hard link, a symbolic link named after the work
    file's own catalog does the same for runs on a warehouse of the same name.
    A WAL DuckDB left beside the link (a dbt that died before closing) is moved
    beside the work file, where the next open replays it; the folder goes with
    the run (or with the next run's cleanup of dead work files, radar.runlock).
    """
    if target not in (None, "dev"):
        yield PROJECT_ROOT
        return
    resolved = Path(db_path).resolve()
    folder = resolved.with_name(resolved.name + ".dbt")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        name = DBT_CATALOG_FILE
        try:
            os.link(resolved, folder / name)
        except OSError:
            name = f"{resolved.name.lstrip('.').split('.')[0]}.duckdb"
            (folder / name).symlink_to(resolved)
        env["RADAR_DB_PATH"] = name
        yield folder
    finally:
        wal = folder / f"{name}.wal"
        if wal.exists():
            os.replace(wal, f"{resolved}.wal")
        shutil.rmtree(folder, ignore_errors=True)


class DbtSession:
    """The dbt commands of a :func:`dbt_session`, one after the other."""

    def __init__(self, process: subprocess.Popen, db_path: Path, dbt_vars: dict, target: str | None,
                 env: dict, cwd: Path):
        self.process, self.db_path, self.dbt_vars, self.target, self.env = process, db_path, dbt_vars, target, env
        self.cwd = cwd

    def run(self, command: list[str]) -> None:
        args = [*command, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT / "profiles")]
        if self.dbt_vars:
            args += ["--vars", json.dumps(self.dbt_vars)]
        if self.target:
            args += ["--target", self.target]
            if self.target != "dev":
                # own compiled SQL and partial-parse state per engine, so that runs
                # on different targets (or side by side) do not invalidate each other
                args += ["--target-path", str(target_dir(self.env) / self.target)]
        log("$ dbt " + " ".join(args))
        # beside the warehouse (not in the shared logs/), so that builds of different warehouses
        # never write the same file
        warehouse_name = re.sub(r"\.building(-\d+)?$", "", self.db_path.name)
        # one file per command kind: a run's second build (the churn marts) keeps the first's log
        kind = command[0].replace("-", "_")
        if "--selector" in command:
            kind += "_" + command[command.index("--selector") + 1]
        log_path = self.db_path.with_name(f"{warehouse_name}.dbt_{kind}.log")
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps({"args": args, "env": self.env, "cwd": str(self.cwd)}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the process is gone: _report says so
        returncode = _report(self.process, log_path)
        if returncode != 0:
            raise RuntimeError(f"dbt {command[0]} failed (exit {returncode}); full output: {log_path}")


_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP|REUSED)\b")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _report(process: subprocess.Popen, log_path: Path) -> int:
    """Follow one command of a session to its end: its output goes to ``log_path``; print
    progress at each quarter, then dbt's one-line summary (``Done. PASS=…``) or, on failure,
    the failing nodes and the log path. Returns the command's exit code."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    # line-buffered: the log shows each line as dbt prints it (tail -f while it runs)
    with log_path.open("w", encoding="utf-8", buffering=1) as out:
        summary, returncode = _follow(process, out, failures)
    if returncode is None:  # the process ended without finishing the command
        returncode = process.wait() or 2
    if summary:
        log(f"  dbt: {summary}")
    if returncode != 0:
        for failure in failures[:20] or ["(no node failed: see the log)"]:
            log(f"  failed: {failure}")
        if len(failures) > 20:
            log(f"  … {len(failures) - 20} more failures")
    log(f"  dbt output: {log_path}")
    return returncode


def _follow(process, out, failures: list[str]) -> tuple[str, int | None]:
    """Copy a command's output to ``out`` as it comes, print progress at each quarter, collect
    the failing nodes into ``failures``; returns dbt's one-line summary (or "") and the exit
    code the session printed (None: the process ended first)."""
    from radar.dbt_session import MARKER

    summary, shown_quarter = "", 0
    assert process.stdout is not None
    for raw in process.stdout:
        if raw.startswith(MARKER):
            return summary, int(raw[len(MARKER):].strip() or 2)
        out.write(raw)
        line = _ANSI.sub("", raw).rstrip()
        done = _NODE_DONE.search(line)
        if done:
            number, total, status = int(done.group(1)), int(done.group(2)), done.group(3)
            if status in ("ERROR", "FAIL"):
                failures.append(line.split("  ", 1)[-1].strip())
            quarter = number * 4 // total
            if quarter > shown_quarter:
                shown_quarter = quarter
                log(f"  dbt: {number} of {total} nodes done")
        elif "Done. PASS=" in line:
            summary = line[line.index("Done. PASS="):]
    return summary, None


def stop_on_sigterm() -> None:
    """SIGTERM (a scheduler's timeout, `kill`) ends the run like Ctrl-C: the work file is
    deleted, a running dbt is stopped, the run lock released; the warehouse stays as it was."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def utc_now():
    """Now, UTC, as a naive timestamp (the loader's convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def landing_registered_on_run_start() -> bool:
    """True when dbt_project.yml registers the Spark landing tables in an on-run-start hook."""
    project = (PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8")
    return "on-run-start" in project and "register_landing_tables" in project


def _pause_for_tests(phase: str) -> None:
    """Test hook: with ``RADAR_PAUSE_AT=<phase>:<dir>``, stop at ``phase`` until told.

    Writes ``<dir>/reached`` and waits (at most 10 minutes) for ``<dir>/release``,
    so a test can start a second run while this one is at a known phase.
    """
    setting = os.environ.get("RADAR_PAUSE_AT", "")
    if not setting.startswith(phase + ":"):
        return
    folder = Path(setting.split(":", 1)[1])
    (folder / "reached").write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 600
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _fingerprint(path: Path) -> tuple | None:
    if not path.exists():
        return None
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def run(
    landing: Path,
    db_path: Path = DEFAULT_DB,
    as_of: str | None = None,
    docs_dir: Path | None = DEFAULT_DOCS,
    reload: bool = False,
    build: bool = True,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    dbt_vars: dict | None = None,
    target: str = "dev",
    wait_seconds: float = 0.0,
    forget_batches: tuple[str, ...] = (),
    time_gate: TimeGate | None = None,
    allow_demo_key: bool = False,
    data_tests: bool = True,
) -> list:
    """One run; holds the warehouse's run lock (:mod:`radar.runlock`) throughout.

    data_tests=False builds the models without their data tests (``--no-tests``: a
    throwaway or intermediate build whose result is checked otherwise; a nightly run
    keeps them)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
    if as_of:
        dt.date.fromisoformat(as_of)  # clear error on a malformed date
    if forget_batches and not reload:
        raise ValueError("--forget-batch only applies with --reload")
    db_path = db_path.resolve()
    with RunLock(db_path, wait_seconds):
        return _run_locked(landing, db_path, as_of, docs_dir, reload, build, chunk_rows,
                           dict(dbt_vars or {}), target, tuple(forget_batches), time_gate,
                           allow_demo_key, data_tests)


def _run_locked(landing, db_path, as_of, docs_dir, reload, build, chunk_rows, dbt_vars,
                target, forget_batches, time_gate, allow_demo_key, data_tests=True) -> list:
    started = time.monotonic()
    if as_of:
        dbt_vars["as_of_date"] = as_of
    batches = discover(landing)
    if not batches:
        raise StructuralError(f"no batch folders in {landing}")

    key = resolve_key(landing, allow_demo_key)
    recover_wal(db_path, log)
    done: list[str] = []
    if db_path.exists():
        with writer_guard(db_path):
            pass  # refuse before reading while another process writes the warehouse
        with duckdb.connect(str(db_path), read_only=True) as con:
            done = loaded_batches(con)
            if not reload:
                check_key_matches(con, key)
    forgotten = check_reload(done, [b.name for b in batches], forget_batches) if reload else []
    if reload:
        done_before, done = done, []
    new = [b for b in batches if b.name not in done]
    if new and done and new[0].name < done[-1]:
        raise StructuralError(
            f"batch {new[0].name} sorts before the already loaded batch {done[-1]}; "
            "batches must arrive in lexical order (rerun with --reload to rebuild the "
            "landing tables from every batch)"
        )
    _pause_for_tests("structure")
    log(f"[1/3] checking structure of {len(new)} new batch(es) in {landing} "
        f"({len(done)} already loaded)")
    with timed("structure check"):
        warnings = check_structure(new, chunk_rows)
    for warning in warnings:
        log(f"  warning: {warning}")

    db_path.parent.mkdir(parents=True, exist_ok=True)
    work = work_path(db_path)
    with writer_guard(db_path):
        before = _fingerprint(db_path)
        if db_path.exists() and not reload:
            shutil.copyfile(db_path, work)
    store = PiiStore(db_path, key)
    store.prepare(reload or not db_path.exists())
    publication = None
    try:
        _pause_for_tests("load")
        log(f"[2/3] validating and loading into {work.name}")
        # DuckDB's own memory is capped (it spills to disk beyond it); the
        # pandas chunks of the row validation come on top.
        loader_config = {"memory_limit": os.environ.get("RADAR_LOADER_MEMORY_LIMIT", "3GB"),
                         "threads": int(os.environ.get("RADAR_THREADS", "2"))}
        with duckdb.connect(str(work), config=loader_config) as con:
            store.attach(con)
            if reload and db_path.exists():
                carry_audit(con, db_path, forgotten, done_before)
            if reload:  # erasure requests are kept across --reload
                ensure_landing(con)
                erasure.carry_over(con, db_path)
            reports = load_batches(con, new, docs_dir, chunk_rows, time_gate, store=store)
            erased = erasure.apply(con, utc_now())
            rebuild_start, rebuild_reason = rebuild.rebuild_from(con, rebuild.last_build(con), dbt_vars, target)
            store.detach(con)
        if erased:
            log(f"  erasure: {erased} row(s) erased or request(s) recorded; every model is rebuilt "
                "and both files are rewritten")
            store.compact()
        if reports:
            print(summary_table(reports), flush=True)
        else:
            log("  nothing new to load")
        if target != "dev":
            from radar.engines import Publication

            log(f"[2b/3] publishing the landing schema to {target}")
            publication = Publication(target, db_path if db_path.exists() else None)
            publication.publish(work, full=reload or bool(erased))
            if target == "spark" and not landing_registered_on_run_start():
                run_dbt(["run-operation", "register_landing_tables"], work, {}, target)
        full_refresh = False
        if build:
            _pause_for_tests("build")
            # an erasure rebuilds every model, so incremental ones lose the member too
            full_refresh = bool(erased) or erasure.rebuild_pending(work)
            flags = ["--full-refresh"] if full_refresh else []
            build_vars = dict(dbt_vars)
            if full_refresh:
                rebuild_start = None
            elif rebuild_start is not None:
                build_vars["rebuild_from_date"] = rebuild_start.isoformat()
            if not data_tests:
                flags.extend(["--exclude-resource-type", "test"])
            log(f"[3/3] dbt build (target {target}){' --full-refresh after an erasure' if full_refresh else ''}"
                f"{', without data tests (--no-tests)' if not data_tests else ''}")
            if not full_refresh:
                log(f"  {rebuild_reason}")
            # the churn marts read what the scoring step writes (source scores):
            # everything else first, then the scores, then the churn marts (one dbt process)
            with dbt_session(work, build_vars, None if target == "dev" else target) as dbt:
                dbt.run(["build", "--selector", "nightly", *flags])
                if target == "dev":
                    from radar.churn import write_scores

                    log("[3b/3] churn scores (radar/churn.py), then the marts that read them")
                    scoring_started = time.monotonic()
                    result = write_scores(work)
                    log(f"  {len(result.scores)} members scored ({result.method}) "
                        f"in {time.monotonic() - scoring_started:.1f} s")
                    dbt.run(["build", "--selector", "churn_marts", *flags])
            if full_refresh:
                erasure.mark_rebuilt(work)
            with duckdb.connect(str(work)) as con:
                rebuild.record(con, dbt_vars, target, rebuild_start, utc_now())
        if erased or full_refresh:
            rewrite(work)  # no free page of the file keeps an erased row
        _pause_for_tests("swap")
        with writer_guard(db_path):
            if _fingerprint(db_path) != before or wal_path(db_path).exists():
                raise WarehouseBusy(
                    f"another process wrote to {db_path} during this run; its writes are kept "
                    "and this run's result is discarded, rerun to load the batches on top"
                )
            if publication is not None:
                publication.commit()
            store.commit()  # the store first: a crash before the next line leaves it ahead, never behind
            os.replace(work, db_path)
    except BaseException:
        if publication is not None:
            try:
                publication.rollback()
            except Exception as exc:  # report, but keep the original error
                log(f"  warning: could not restore the {target} landing schema ({exc}); "
                    "the next run republishes it")
        for leftover in (work, wal_path(work)):
            leftover.unlink(missing_ok=True)
        store.discard()
        raise
    log(f"warehouse: {db_path}")
    if docs_dir is not None and reports:
        log(f"GX Data Docs: {docs_dir / 'index.html'}")
    log(f"done in {time.monotonic() - started:.1f} s")
    return reports


def main(argv: list[str] | None = None) -> int:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(
        description="Validate landing batches, load them and build the warehouse.")
    parser.add_argument("--landing", type=Path, required=True,
                        help="folder of batch folders (SPEC §1)")
    parser.add_argument("--target", choices=TARGETS, default="dev",
                        help="dbt target the models run on (default dev = DuckDB; postgres and spark "
                             "get the landing schema published first, see docs/engines.md)")
    parser.add_argument("--db", type=Path, default=None,
                        help="DuckDB file: the warehouse for dev, the landing store of record for "
                             "postgres/spark (default: $RADAR_DB_PATH, else warehouse/radar.duckdb "
                             "for dev and warehouse/landing-<target>.duckdb otherwise)")
    parser.add_argument("--as-of", help="as_of_date (YYYY-MM-DD); default: latest order date")
    parser.add_argument("--docs-dir", type=Path, default=DEFAULT_DOCS, help="where GX Data Docs go")
    parser.add_argument("--reload", action="store_true",
                        help="rebuild the landing tables from every batch, not only new ones")
    parser.add_argument("--forget-batch", action="append", default=[], metavar="NAME",
                        help="with --reload: drop this loaded batch, no longer in the landing folder, "
                             "from history (recorded in landing.run_audit); repeatable")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="when another run holds the warehouse, wait up to this long for it "
                             "(default 0: refuse at once, exit code 3)")
    parser.add_argument("--future-tolerance-days", type=float, default=None, metavar="DAYS",
                        help="timestamps later than the load's wall clock plus this are quarantined "
                             "as future_timestamp (default $RADAR_FUTURE_TOLERANCE_DAYS, else 1)")
    parser.add_argument("--platform-start", default=None, metavar="DATE",
                        help="timestamps before this are quarantined as before_platform_start "
                             "(default $RADAR_PLATFORM_START, else 2000-01-01, 00:00 UTC)")
    parser.add_argument("--no-build", action="store_true", help="validate and load only")
    parser.add_argument("--no-tests", action="store_true",
                        help="build the models without their data tests (a throwaway or intermediate "
                             "build checked otherwise; never for the nightly run)")
    parser.add_argument("--allow-demo-key", action="store_true",
                        help="accept the documented demo PII key (or no key) on a landing folder that "
                             "is not the generated demo data (never for real members)")
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                        help="rows validated at a time (memory bound)")
    args = parser.parse_args(argv)
    db = args.db or Path(os.environ.get("RADAR_DB_PATH") or default_db(args.target))
    try:
        gate = TimeGate.from_settings(args.future_tolerance_days, args.platform_start)
        run(args.landing, db, args.as_of, args.docs_dir, args.reload,
            not args.no_build, args.chunk_rows, target=args.target, wait_seconds=args.wait,
            forget_batches=tuple(args.forget_batch), time_gate=gate,
            allow_demo_key=args.allow_demo_key, data_tests=not args.no_tests)
    except PiiKeyError as exc:
        print(f"error: {exc}. Nothing was loaded; the warehouse is unchanged.", file=sys.stderr)
        return 4
    except StructuralError as exc:
        print(f"error: {exc}. Nothing was loaded; the warehouse is unchanged.", file=sys.stderr)
        return 2
    except WarehouseBusy as exc:
        print(f"error: {exc}. The warehouse is unchanged.", file=sys.stderr)
        return 3
    except (RuntimeError, ValueError, OSError, duckdb.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {first}. The warehouse is unchanged.", file=sys.stderr)
        return 1
    return 0
