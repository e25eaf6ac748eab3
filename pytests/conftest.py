"""Shared fixtures: run the real pipeline (`make run`) into temporary warehouses."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
# The PII key of every test run (README, "Personal data"): the hand-written and
# edited landing folders are not the generated demo data, so the demo key would
# be refused on them. pytests/test_pii.py sets its own keys per run.
TEST_PII_KEY = "pytest-pii-key-3f9c1e"
os.environ["RADAR_PII_KEY"] = TEST_PII_KEY
os.environ.pop("RADAR_PII_KEY_FILE", None)
os.environ.pop("RADAR_ALLOW_DEMO_KEY", None)
# `make test` runs the files on two pytest-xdist workers (one per core): each
# worker gets its own dbt target and log folders, so that two dbt processes
# never write the same manifest, partial-parse state, GX Data Docs or dbt.log.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["DBT_TARGET_PATH"] = str(ROOT / "target" / f"pytest-{os.environ['PYTEST_XDIST_WORKER']}")
    os.environ["DBT_LOG_PATH"] = str(ROOT / "logs" / f"pytest-{os.environ['PYTEST_XDIST_WORKER']}")
#: the dbt target folder and dbt.log this test process's dbt runs write
DBT_TARGET = Path(os.environ.get("DBT_TARGET_PATH") or ROOT / "target")
DBT_LOG = Path(os.environ.get("DBT_LOG_PATH") or ROOT / "logs") / "dbt.log"


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report) -> None:
    """Remember every skipped test (also skips raised in setup or by a marker)."""
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus) -> None:
    """A skipped test is a defect here: the session fails (pytests/test_no_skips.py)."""
    if _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if _SKIPPED:
        terminalreporter.write_line(
            f"FAILED: {len(_SKIPPED)} test(s) skipped; a test must pass or fail, never skip: "
            + ", ".join(_SKIPPED[:10]), red=True)


#: ``make test-fast`` (the inner loop) sets RADAR_TEST_FAST=1; three things change there, none in
#: ``make test`` (CI):
#: - a scenario build (a run whose assertions read its tables, its output or its files, not its
#:   data tests) leaves the dbt data tests out, about half of a tiny build's time. The builds
#:   of the shared tiny and hand-written warehouses keep every data test, so test-fast still
#:   runs each one on both; ``make test`` runs them in every build;
#: - ``scripts/radar_run.py`` runs in the test's own process (radar.pipeline.main, the one
#:   call the script makes), so that Python, Great Expectations and pandas are imported once
#:   per worker instead of once per run (about 2.9 s a run);
#: - dbt runs in one process per worker, kept between runs (RADAR_DBT_KEEP_PROCESS=1,
#:   radar.pipeline.dbt_session): each dbt command brings its own environment and folder, and
#:   a tiny scenario run takes about 8 s instead of 14 (Python and dbt started, the project's
#:   parse loaded, once per worker).
FAST = os.environ.get("RADAR_TEST_FAST") == "1"
if FAST:
    # imported now: radar/validation.py sets GX's environment defaults (no analytics, no
    # progress bars) when imported, before a test copies os.environ for a run's environment
    import radar.pipeline  # noqa: F401

    # one dbt process per worker (see above); RADAR_DBT_KEEP_PROCESS=0 turns it off
    os.environ.setdefault("RADAR_DBT_KEEP_PROCESS", "1")
#: the pipeline's flag for a scenario build (``scripts/radar_run.py --no-tests`` in test-fast)
SCENARIO_FLAGS = ["--no-tests"] if FAST else []
#: the dbt flag for a scenario's own dbt build
SCENARIO_DBT_FLAGS = ["--exclude-resource-type", "test"] if FAST else []
RUN_SCRIPT = ROOT / "scripts" / "radar_run.py"
#: The files that take longest, longest first: the engines (PostgreSQL and Spark, make test
#: only, minutes), the browser, then (seconds in test-fast, 2026-12-05, 2 workers) incremental
#: 100, backtest 90, pii 61, console 52, bad_days 50, loader_faults 45, warnings 39, group_marts
#: 35, churn_scores 35, unit_tests 14; every other file < 7 s. The workers take whole files in
#: collection order (``--no-loadscope-reorder``), so the short files fill the end and the two
#: workers finish close together.
LONGEST_FIRST = ["test_engines.py", "test_console_browser.py", "test_incremental.py", "test_backtest.py", "test_pii.py", "test_console.py", "test_bad_days.py",
                 "test_loader_faults.py", "test_warnings.py", "test_group_marts.py", "test_churn_scores.py",
                 "test_unit_tests.py"]


def pytest_collection_modifyitems(items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept within a rank


def pytest_report_header(config) -> str | None:
    if FAST:
        return ("RADAR_TEST_FAST=1 (make test-fast): scenario builds leave their dbt data tests out "
                "(the tiny and hand-written builds run them all), the pipeline runs in the test's "
                "process and each worker keeps one dbt process (RADAR_DBT_KEEP_PROCESS="
                f"{os.environ.get('RADAR_DBT_KEEP_PROCESS')}); make test runs every data test in every "
                "build, each run and each of its steps its own process")
    return None


def make_run(landing: Path, db: Path, *, as_of: str | None = None, check: bool = True,
             data_tests: bool = False) -> subprocess.CompletedProcess:
    """`make run LANDING=... DB=... [AS_OF=...]`, output captured. In test-fast a scenario build
    (``data_tests`` False) runs what `make run` runs, in this process, with ``--no-tests``."""
    if FAST and not data_tests:
        done = pipeline_run(["--landing", str(landing), "--db", str(db), *(["--as-of", as_of] if as_of else []),
                             *SCENARIO_FLAGS], None)
    else:
        args = ["make", "-s", "run", f"LANDING={landing}", f"DB={db}", *([f"AS_OF={as_of}"] if as_of else [])]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"make run failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def radar_run(landing: Path, db: Path, env: dict | None, *flags: str) -> subprocess.CompletedProcess:
    """``scripts/radar_run.py`` with flags ``make run`` does not pass (``--no-build``, ``--reload``…),
    Data Docs beside the warehouse, output captured; ``env`` None: this process's environment."""
    return pipeline_run(["--landing", str(landing), "--db", str(db), "--docs-dir", str(db.parent / "gx_data_docs"),
                         *flags], env)


def pipeline_run(args: list[str], env: dict | None) -> subprocess.CompletedProcess:
    """``scripts/radar_run.py args`` with the environment ``env`` (None: this process's), output
    captured: its own process, or in test-fast this one (see FAST)."""
    if not FAST:
        return subprocess.run([sys.executable, str(RUN_SCRIPT), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    from radar import pipeline

    out, err, saved = io.StringIO(), io.StringIO(), dict(os.environ)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = pipeline.main(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess([str(RUN_SCRIPT), *args], code, out.getvalue(), err.getvalue())


def reference_build(landing: Path, db: Path, as_of: str | None = None) -> subprocess.CompletedProcess:
    """A build a test compares another path against, without data tests (``--no-tests``): its
    tables must equal those of a path that ran every test on the same data."""
    done = radar_run(landing, db, None, "--no-tests", *(["--as-of", as_of] if as_of else []))
    if done.returncode != 0:
        raise AssertionError(f"radar_run --no-tests failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


def load_only(landing: Path, db: Path) -> subprocess.CompletedProcess:
    """The pipeline's validation and load without the dbt build (``--no-build``), for a test
    whose assertions read only the landing tables and the staging views over them."""
    done = radar_run(landing, db, None, "--no-build")
    if done.returncode != 0:
        raise AssertionError(f"radar_run --no-build failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


def generate(out: Path, *args: str) -> dict:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_demo_data.py"), "--out", str(out), *args],
        check=True, capture_output=True, text=True,
    )
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# Columns that record when a row was written, not what it says.
RUN_COLUMNS = {"loaded_through_batch", "source_batch"}
# Differ by design between two paths to the same data: int_member_snapshot_facts /
# int_member_snapshots, working tables holding only the dates a run needs (as_of and
# the day before).
STATE_TABLES = {"int_member_snapshot_facts", "int_member_snapshots"}


def tables(db: Path) -> dict[str, list[tuple]]:
    """Every table of intermediate and marts, its rows sorted, run columns dropped: what
    test_incremental and test_warnings compare between two paths to the same data."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute("""
            select schema_name, table_name from duckdb_tables()
            where schema_name in ('intermediate', 'marts') order by 1, 2""").fetchall()
        for schema, table in names:
            if table in STATE_TABLES:
                continue
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
                " order by column_index", [schema, table]).fetchall() if c not in RUN_COLUMNS]
            rows = con.execute(f"select {', '.join(columns)} from {schema}.{table}").fetchall()
            out[f"{schema}.{table}"] = sorted(rows, key=repr)
    return out


def assert_same_tables(actual: dict, expected: dict) -> None:
    assert sorted(actual) == sorted(expected)
    for name in expected:
        missing = [r for r in expected[name] if r not in actual[name]][:3]
        extra = [r for r in actual[name] if r not in expected[name]][:3]
        assert actual[name] == expected[name], f"{name}: missing {missing}, unexpected {extra}"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The folder ``build(folder)`` fills, built once per test session and shared by the workers.

    Under pytest-xdist each worker has its own session fixtures, so a warehouse that
    test files on both workers need would be built twice. The first worker to ask
    builds it, under an exclusive lock on a file beside the workers' temporary folders;
    the other waits for it. The result is read-only: take a :func:`private_copy`.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder the workers' basetemps share
    folder = base / f"built-{name}"
    with open(base / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".complete").touch()
    return folder


def private_copy(folder: Path, tmp_path_factory, name: str) -> Path:
    """A copy of a :func:`built_once` folder of this worker's own (file names kept: a DuckDB
    file's catalog is its name), so that a test may open its warehouse with a writer."""
    copy = tmp_path_factory.mktemp(name) / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.lock", ".complete"))
    return copy


@pytest.fixture(scope="session")
def handwritten_db(tmp_path_factory) -> Path:
    """Warehouse built from the hand-written landing folder (two batches)."""
    built = built_once(tmp_path_factory, "handwritten",
                       lambda folder: make_run(FIXTURES / "handwritten", folder / "radar.duckdb", data_tests=True))
    return private_copy(built, tmp_path_factory, "handwritten") / "radar.duckdb"


def _build_tiny(folder: Path) -> None:
    generate(folder / "landing", "--size", "tiny", "--seed", "7", "--bad-rows")
    make_run(folder / "landing", folder / "radar.duckdb", data_tests=True)


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory) -> Path:
    """Generated tiny landing folder with every kind of bad row, and its warehouse (this worker's copy)."""
    return private_copy(built_once(tmp_path_factory, "tiny", _build_tiny), tmp_path_factory, "tiny")


@pytest.fixture(scope="session")
def tiny_landing(tiny_built) -> tuple[Path, dict]:
    """Generated tiny landing folder with every kind of bad row, and its manifest."""
    out = tiny_built / "landing"
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tiny_db(tiny_built) -> Path:
    return tiny_built / "radar.duckdb"


@pytest.fixture(scope="session")
def tiny_backtested(tmp_path_factory) -> Path:
    """The tiny warehouse after `make backtest` (3 cut-offs), so that every model is built, the
    backtest's too: built once for the console's warning-quality page and the documentation
    check; this worker's copy."""
    def build(folder: Path) -> None:
        from radar import backtest

        shutil.copyfile(built_once(tmp_path_factory, "tiny", _build_tiny) / "radar.duckdb", folder / "radar.duckdb")
        backtest.run(folder / "radar.duckdb", months=3, unit_tests=not FAST)

    return private_copy(built_once(tmp_path_factory, "tiny_backtested", build), tmp_path_factory,
                        "tiny_backtested") / "radar.duckdb"


def _build_two_nights(folder: Path) -> None:
    generate(folder / "generated", "--size", "tiny", "--seed", "11")
    landing = copy_landing(folder / "generated", folder / "landing", ["batch_0001"])
    make_run(landing, folder / "nightly.duckdb")
    copy_landing(folder / "generated", landing, ["batch_0002"])
    make_run(landing, folder / "nightly.duckdb")


def two_nights(tmp_path_factory) -> Path:
    """A folder of the caller's own: the generated tiny landing of seed 11 (``generated``,
    batch_0002 holding the last day's orders and late refunds on months-old orders), and
    ``landing`` with both batches loaded into ``nightly.duckdb`` night by night
    (batch_0001 alone, then batch_0002: an incremental run). The start of the run
    histories of test_incremental and test_warnings, built once for both."""
    return private_copy(built_once(tmp_path_factory, "two_nights", _build_two_nights),
                        tmp_path_factory, "two_nights")


def _build_one_night(folder: Path) -> None:
    generate(folder / "generated", "--size", "tiny", "--seed", "11")
    make_run(copy_landing(folder / "generated", folder / "landing"), folder / "radar.duckdb")


def one_night(tmp_path_factory) -> Path:
    """A folder of the caller's own: the same generated landing as :func:`two_nights`, both
    batches loaded into ``radar.duckdb`` by one run (a fresh build). test_warnings compares
    it with the night-by-night history; test_churn_scores plants a purchase on top."""
    return private_copy(built_once(tmp_path_factory, "one_night", _build_one_night),
                        tmp_path_factory, "one_night")


def copy_landing(src: Path, dst: Path, batches: list[str] | None = None) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for batch in sorted(p for p in src.iterdir() if p.is_dir()):
        if batches is None or batch.name in batches:
            shutil.copytree(batch, dst / batch.name)
    return dst
