"""One landing, three engines: DuckDB, PostgreSQL and Spark give the same answers.

The generated tiny landing (every kind of bad row included) is validated and
loaded once into a DuckDB landing store; three copies of that file then go
through the real pipeline (`scripts/radar_run.py --target dev|postgres|spark`):
DuckDB builds in the file itself once; PostgreSQL and Spark build twice (an
earlier as_of, then the end), so their incremental models are compared on
their incremental path. PostgreSQL (a throwaway server from
`scripts/pg_server.sh`) gets the landing schema by COPY, Spark (a local session
from `.venv-spark`) over Parquet folders. Every relation of the landing,
staging and marts schemas and the core intermediate models is then compared
across the engines cell by cell: rates and other floats to 1e-9, decimals
(money) to the cent, everything else exactly, rows ordered by the full row.

Also here: PostgreSQL's incremental publish (only new batches, upserts),
undoing a publish when the build fails, and a model that uses a DuckDB-only
function failing on PostgreSQL.

Needs Java 17 and `.venv-spark` (`make setup-spark`); PostgreSQL is installed
by `scripts/pg_server.sh` when missing. Without them these tests fail, never
skip; marked `engines`, so `make test-fast` leaves them out (deselected, not
skipped) and `make test` runs them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import DBT_TARGET, FIXTURES, ROOT, copy_landing

from radar import engines, pipeline

SPARK_DBT = ROOT / ".venv-spark" / "bin" / "dbt"
PG_SERVER = ROOT / "scripts" / "pg_server.sh"
ENGINES = ("duckdb", "postgres", "spark")
#: schemas compared whole; of `intermediate` only the core models
SCHEMAS = ("landing", "staging", "marts")
CORE_INTERMEDIATE = sorted(p.stem for p in (ROOT / "models" / "intermediate" / "core").glob("*.sql"))
FLOAT_TOLERANCE = 1e-9
#: when a row was written, not what it says: PostgreSQL and Spark build twice
#: (incrementally), DuckDB once, so months kept from the first build differ here
RUN_STAMP_COLUMNS = {"loaded_through_batch"}
MONEY_TOLERANCE = Decimal("0.005")

pytestmark = pytest.mark.engines


def base_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RADAR_DB_PATH"}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", **extra)
    return env


def run_pipeline(landing: Path, db: Path, target: str, env: dict, *extra: str) -> subprocess.CompletedProcess:
    args = [sys.executable, str(ROOT / "scripts" / "radar_run.py"), "--landing", str(landing), "--db", str(db),
            "--target", target, "--docs-dir", str(db.parent / "gx_docs"), *extra]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(
            f"pipeline --target {target} failed ({done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    return done


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def pg_server() -> Iterator[dict]:
    """A throwaway PostgreSQL on 127.0.0.1 (installed from Debian when missing)."""
    directory = tempfile.mkdtemp(prefix="radar_pg_test_", dir="/tmp")
    os.chmod(directory, 0o755)
    server_dir = Path(directory) / "server"
    started = time.monotonic()
    done = subprocess.run(["bash", str(PG_SERVER), "start", str(server_dir)], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"scripts/pg_server.sh start failed:\n{done.stdout}\n{done.stderr}")
    env = {}
    for line in done.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value
    print(f"\nPostgreSQL up in {time.monotonic() - started:.1f} s on port {env['RADAR_PG_PORT']}")
    try:
        yield env
    finally:
        subprocess.run(["bash", str(PG_SERVER), "stop", str(server_dir)], capture_output=True, text=True)
        shutil.rmtree(directory, ignore_errors=True)


def pg_database(server: dict, name: str) -> dict:
    """Environment for a fresh database ``name`` on the throwaway server."""
    admin = engines.pg_connect(dict(server, RADAR_PG_DATABASE="postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {name}")
        cur.execute(f"create database {name}")
    admin.close()
    return dict(server, RADAR_PG_DATABASE=name)


# ---------------------------------------------------------------- reading relations


def normalise(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def duckdb_relations(db: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall():
            if not wanted(schema, name):
                continue
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = [d[0] for d in cursor.description]
            out[f"{schema}.{name}"] = (columns, [tuple(map(normalise, r)) for r in cursor.fetchall()])
    return out


def postgres_relations(env: dict) -> dict[str, tuple[list[str], list[tuple]]]:
    out = {}
    con = engines.pg_connect(env)
    try:
        with con.cursor() as cur:
            cur.execute("select table_schema, table_name from information_schema.tables "
                        "where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2")
            names = cur.fetchall()
            for schema, name in names:
                if not wanted(schema, name):
                    continue
                cur.execute(f'select * from "{schema}"."{name}"')
                columns = [d[0] for d in cur.description]
                out[f"{schema}.{name}"] = (columns, [tuple(map(normalise, r)) for r in cur.fetchall()])
    finally:
        con.close()
    return out


def parquet_relations(directory: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    out = {}
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
            schema, name = folder.name.split(".", 1)
            if not wanted(schema, name):
                continue
            files = sorted(str(f) for f in folder.glob("*.parquet"))
            cursor = con.execute("select * from read_parquet(?)", [files])
            columns = [d[0] for d in cursor.description]
            out[f"{schema}.{name}"] = (columns, [tuple(map(normalise, r)) for r in cursor.fetchall()])
    return out


# Built only on DuckDB: the churn scoring step (radar/churn.py) reads its
# features from the DuckDB warehouse and writes schema `scores` there; the
# pipeline does not run it on PostgreSQL or Spark yet (docs/engines.md).
DUCKDB_ONLY = {"stg_scores__member_churn_scores", "stg_scores__churn_model_fit",
               "member_churn_risk", "churn_model_parameters",
               # downstream of the churn marts: built in the second, DuckDB-only invocation
               "mentor_tasks", "mentor_task_summary"}


# Audit tables of the DuckDB landing store (radar/history.py, radar/erasure.py):
# records of what a run did, read by no model, so not published to the engines.
AUDIT_TABLES = {"run_audit", "erasure_log",
                # the pipeline's own records of what it loaded and built (radar.rebuild)
                "batch_touches", "build_log"}


def wanted(schema: str, name: str) -> bool:
    if name in DUCKDB_ONLY or (schema == "landing" and name in AUDIT_TABLES):
        return False
    return schema in SCHEMAS or (schema == "intermediate" and name in CORE_INTERMEDIATE)


# ---------------------------------------------------------------- comparing


def cells_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return abs(fa - fb) <= FLOAT_TOLERANCE * max(1.0, abs(fa), abs(fb))
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) <= MONEY_TOLERANCE
    return a == b


def sort_key(row: tuple) -> tuple:
    """Order rows by the full row; numbers rounded so float noise cannot reorder them."""
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, bool):
            key.append((1, int(value)))
        elif isinstance(value, (int, float, Decimal)):
            key.append((2, round(float(value), 6)))
        elif isinstance(value, (dt.date, dt.datetime)):
            key.append((3, value.isoformat()))
        else:
            key.append((4, str(value)))
    return tuple(key)


def differences(name: str, reference: tuple[list[str], list[tuple]], other: tuple[list[str], list[tuple]],
                engine: str, limit: int = 5) -> list[str]:
    """Human-readable differences of ``other`` from the DuckDB ``reference``."""
    ref_columns, ref_rows = reference
    columns, rows = other
    if sorted(ref_columns) != sorted(columns):
        return [f"{name}: columns differ on {engine}: duckdb {sorted(ref_columns)} vs {sorted(columns)}"]
    order = sorted(c for c in ref_columns if c not in RUN_STAMP_COLUMNS)
    ref_index = [ref_columns.index(c) for c in order]
    index = [columns.index(c) for c in order]
    ref_sorted = sorted((tuple(r[i] for i in ref_index) for r in ref_rows), key=sort_key)
    other_sorted = sorted((tuple(r[i] for i in index) for r in rows), key=sort_key)
    found = []
    if len(ref_sorted) != len(other_sorted):
        found.append(f"{name}: {len(ref_sorted)} rows on duckdb, {len(other_sorted)} on {engine}")
    for number, (left, right) in enumerate(zip(ref_sorted, other_sorted, strict=False), start=1):
        for column, a, b in zip(order, left, right, strict=True):
            if not cells_equal(a, b):
                found.append(f"{name} row {number} (ordered by the full row) column {column}: "
                             f"duckdb {a!r} vs {engine} {b!r}; duckdb row {dict(zip(order, left, strict=True))}")
                break
        if len(found) >= limit:
            break
    return found


# ---------------------------------------------------------------- the three builds


@pytest.fixture(scope="session")
def engine_builds(tiny_landing, pg_server, tmp_path_factory) -> dict:
    """Build the tiny landing on every engine; the relations of each, by engine."""
    if not SPARK_DBT.exists():
        raise AssertionError(".venv-spark is missing: run `make setup-spark` (make test does)")
    landing = tiny_landing[0]
    work = tmp_path_factory.mktemp("engines")
    timings = {}

    started = time.monotonic()
    store = work / "store.duckdb"
    run_pipeline(landing, store, "dev", base_env(), "--no-build")
    timings["load"] = time.monotonic() - started
    copies = {engine: work / engine / "radar.duckdb" for engine in ENGINES}
    for path in copies.values():
        path.parent.mkdir()
        shutil.copyfile(store, path)

    # PostgreSQL and Spark build twice: first as of an earlier day, then as of
    # the end, so their second build runs every incremental model on its
    # incremental path (months from the earlier cut-off rebuilt, the others
    # kept) and is compared with DuckDB's single fresh build.
    earlier = (dt.date.fromisoformat(tiny_landing[1]["as_of_date"]) - dt.timedelta(days=45)).isoformat()

    # Spark is the long pole (JVM, Hive metastore): run it beside the other two.
    spark_dir = work / "spark" / "engine"
    spark_env = base_env(RADAR_SPARK_DIR=str(spark_dir), SPARK_LOCAL_IP="127.0.0.1")
    spark_started = time.monotonic()
    spark_log = (work / "spark" / "pipeline.log").open("w")
    spark_run = [sys.executable, str(ROOT / "scripts" / "radar_run.py"), "--landing", str(landing),
                 "--db", str(copies["spark"]), "--target", "spark", "--docs-dir", str(work / "spark" / "gx_docs")]
    # the earlier build only lays down the state the second one increments from: its data
    # tests would repeat the second build's (--no-tests); the second build runs them all
    spark = subprocess.Popen(
        ["sh", "-c", f"{shlex.join([*spark_run, '--as-of', earlier, '--no-tests'])} && {shlex.join(spark_run)}"],
        cwd=ROOT, env=spark_env, stdout=spark_log, stderr=subprocess.STDOUT, text=True)
    try:
        started = time.monotonic()
        run_pipeline(landing, copies["duckdb"], "dev", base_env())
        timings["duckdb"] = time.monotonic() - started

        pg_env = pg_database(pg_server, "radar_engines")
        started = time.monotonic()
        run_pipeline(landing, copies["postgres"], "postgres", base_env(**pg_env), "--as-of", earlier, "--no-tests")
        run_pipeline(landing, copies["postgres"], "postgres", base_env(**pg_env))
        timings["postgres"] = time.monotonic() - started
    finally:
        spark.wait()
        spark_log.close()
    timings["spark"] = time.monotonic() - spark_started
    if spark.returncode != 0:
        raise AssertionError(f"pipeline --target spark failed ({spark.returncode}):\n"
                             f"{(work / 'spark' / 'pipeline.log').read_text()[-8000:]}")
    # --no-tests left the data tests out of the earlier build only
    summaries = re.findall(r"dbt: Done\. .*TOTAL=(\d+)", (work / "spark" / "pipeline.log").read_text())
    assert len(summaries) == 2 and int(summaries[0]) < int(summaries[1]) - 100, summaries

    started = time.monotonic()
    export = work / "spark" / "export"
    only = "{intermediate: [" + ", ".join(CORE_INTERMEDIATE) + "]}"
    done = subprocess.run(
        [str(SPARK_DBT), "run-operation", "export_relations", "--target", "spark",
         "--project-dir", str(ROOT), "--profiles-dir", str(ROOT / "profiles"),
         "--target-path", str(DBT_TARGET / "spark"),
         "--args", f"{{schemas: [landing, staging, intermediate, marts], directory: '{export}', only: {only}}}"],
        cwd=ROOT, env=engines.engine_environment("spark", spark_env), capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"export from Spark failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}")
    timings["spark export"] = time.monotonic() - started

    relations = {
        "duckdb": duckdb_relations(copies["duckdb"]),
        "postgres": postgres_relations(pg_env),
        "spark": parquet_relations(export),
    }
    print("\nengine build times: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return relations


def test_every_engine_has_the_same_relations(engine_builds):
    reference = set(engine_builds["duckdb"])
    assert any(name.startswith("marts.") for name in reference), "no marts were built"
    for engine in ENGINES[1:]:
        names = set(engine_builds[engine])
        assert names == reference, (
            f"{engine}: missing {sorted(reference - names)}, extra {sorted(names - reference)}")


@pytest.mark.parametrize("schema", ["landing", "staging", "intermediate", "marts"])
@pytest.mark.parametrize("engine", ENGINES[1:])
def test_relations_identical_to_duckdb(engine_builds, engine, schema):
    problems = []
    for name, reference in sorted(engine_builds["duckdb"].items()):
        if not name.startswith(schema + ".") or name not in engine_builds[engine]:
            continue
        problems += differences(name, reference, engine_builds[engine][name], engine)
    assert not problems, f"{len(problems)} difference(s) between duckdb and {engine}:\n" + "\n".join(problems)


def test_marts_are_not_trivially_empty(engine_builds):
    rows = {name: len(rel[1]) for name, rel in engine_builds["duckdb"].items() if name.startswith("marts.")}
    empty = [name for name, count in rows.items() if count == 0 and name != "marts.handover_losses"]
    assert not empty, f"marts without rows on the tiny data set (the comparison would prove little): {empty}"


def test_comparison_names_the_first_differing_cell():
    """The comparator itself: a cent, a 1e-6 rate or a missing row is reported, float noise is not."""
    reference = (["group_id", "month", "sales", "activity_rate"],
                 [("G1", dt.date(2024, 3, 1), Decimal("100.0000"), 0.25),
                  ("G2", dt.date(2024, 3, 1), Decimal("50.0000"), 0.5)])
    noise = (["activity_rate", "group_id", "month", "sales"],  # other column order, float noise
             [(0.5 + 1e-15, "G2", dt.date(2024, 3, 1), Decimal("50.00")),
              (0.25, "G1", dt.date(2024, 3, 1), Decimal("100.00"))])
    assert differences("marts.x", reference, noise, "spark") == []
    cent = (reference[0], [reference[1][0], ("G2", dt.date(2024, 3, 1), Decimal("50.01"), 0.5)])
    assert differences("marts.x", reference, cent, "spark") == [
        "marts.x row 2 (ordered by the full row) column sales: duckdb Decimal('50.0000') vs spark "
        "Decimal('50.01'); duckdb row {'activity_rate': 0.5, 'group_id': 'G2', 'month': datetime.date(2024, 3, 1), "
        "'sales': Decimal('50.0000')}"]
    rate = (reference[0], [reference[1][0], ("G2", dt.date(2024, 3, 1), Decimal("50"), 0.500001)])
    assert "column activity_rate" in differences("marts.x", reference, rate, "postgres")[0]
    assert differences("marts.x", reference, (reference[0], reference[1][:1]), "postgres")[0] == \
        "marts.x: 2 rows on duckdb, 1 on postgres"


# ---------------------------------------------------------------- publish semantics


def landing_rows(relations: dict) -> dict:
    return {name: rel for name, rel in relations.items() if name.startswith("landing.")}


def test_postgres_publish_sends_only_new_batches_and_upserts(pg_server, tmp_path):
    env = base_env(**pg_database(pg_server, "radar_publish"))
    landing = tmp_path / "landing"
    store = tmp_path / "store.duckdb"
    copy_landing(FIXTURES / "handwritten", landing, ["batch_001"])
    first = run_pipeline(landing, store, "postgres", env, "--no-build")
    assert "published 1 new batch(es) to postgres" in first.stderr
    copy_landing(FIXTURES / "handwritten", landing, ["batch_002"])
    second = run_pipeline(landing, store, "postgres", env, "--no-build")
    # batch_002 re-sends O1 with a late refund and moves U2: upserts, not appends
    assert "published 1 new batch(es) to postgres" in second.stderr
    expected, actual = landing_rows(duckdb_relations(store)), landing_rows(postgres_relations(env))
    assert set(expected) == set(actual)
    problems = [p for name in expected for p in differences(name, expected[name], actual[name], "postgres")]
    assert not problems, "\n".join(problems)
    con = engines.pg_connect(env)
    with con, con.cursor() as cur:
        cur.execute("select refunded_amount from landing.order_items where order_id = 'O1' and line_no = 1")
        assert cur.fetchall() == [(Decimal("50.00"),)]
    con.close()
    third = run_pipeline(landing, store, "postgres", env, "--no-build")  # nothing new: a no-op
    assert "published 0 new batch(es) to postgres" in third.stderr


def stand_in_session(run):
    """A stand-in for radar.pipeline.dbt_session whose commands ``run(command)`` handles."""

    @contextlib.contextmanager
    def session(db_path, dbt_vars, target=None):
        yield types.SimpleNamespace(run=run)

    return session


def test_failed_build_puts_the_engine_landing_back(pg_server, tmp_path, monkeypatch):
    """PostgreSQL: republished from the last good file; Spark: the previous Parquet folders."""
    pg_env = pg_database(pg_server, "radar_rollback")
    spark_env = {"RADAR_SPARK_DIR": str(tmp_path / "spark")}
    for key, value in {**pg_env, **spark_env}.items():
        monkeypatch.setenv(key, value)
    landing = tmp_path / "landing"
    copy_landing(FIXTURES / "handwritten", landing, ["batch_001"])
    stores = {target: tmp_path / f"{target}.duckdb" for target in ("postgres", "spark")}

    def no_dbt(command):
        pass

    monkeypatch.setattr(pipeline, "dbt_session", stand_in_session(no_dbt))
    for target, store in stores.items():
        pipeline.run(landing, store, docs_dir=None, target=target)
    good = {target: landing_rows(duckdb_relations(store)) for target, store in stores.items()}

    def failing_build(command):
        if command[0] == "build":
            raise RuntimeError("dbt build failed (simulated)")

    monkeypatch.setattr(pipeline, "dbt_session", stand_in_session(failing_build))
    copy_landing(FIXTURES / "handwritten", landing, ["batch_002"])
    for target, store in stores.items():
        with pytest.raises(RuntimeError, match="simulated"):
            pipeline.run(landing, store, docs_dir=None, target=target)
        assert landing_rows(duckdb_relations(store)) == good[target]  # the DuckDB file is untouched

    actual = {"postgres": landing_rows(postgres_relations(pg_env)),
              "spark": landing_rows(spark_landing_relations(tmp_path / "spark" / "landing"))}
    for target in stores:
        assert set(actual[target]) == set(good[target]), target
        problems = [p for name in good[target]
                    for p in differences(name, good[target][name], actual[target][name], target)]
        assert not problems, f"{target} landing not restored:\n" + "\n".join(problems)
    assert not list((tmp_path / "spark" / "landing").glob(".*")), "staging folders left behind"


def spark_landing_relations(root: Path) -> dict:
    """The published Parquet folders, read like exported relations."""
    view = root.parent / "as_exported"
    view.mkdir(exist_ok=True)
    for folder in root.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            target = view / f"landing.{folder.name}"
            if not target.exists():
                target.symlink_to(folder)
    return parquet_relations(view)


# ---------------------------------------------------------------- portability check


PROBE = """
{{ config(materialized='table') }}
-- DuckDB-only functions: a model must use dbt's or the project's dispatched macros instead
select epoch(cast('2024-03-01 00:00:00' as timestamp)) as seconds, list_value(1, 2) as numbers
"""


def test_model_with_an_engine_only_function_fails_on_postgres(pg_server, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv*", ".git", "target", "logs", "warehouse", "data", ".pytest_cache", ".ruff_cache", "pytests"))
    (project / "models" / "marts" / "engine_probe.sql").write_text(PROBE, encoding="utf-8")
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--project-dir", str(project), "--profiles-dir", str(project / "profiles"), "--select", "engine_probe"]

    on_duckdb = subprocess.run([dbt, "run", *common, "--target", "dev"], cwd=project, capture_output=True, text=True,
                               env=base_env(RADAR_DB_PATH=str(tmp_path / "probe.duckdb")))
    assert on_duckdb.returncode == 0, on_duckdb.stdout[-3000:]

    env = base_env(**pg_database(pg_server, "radar_probe"))
    on_postgres = subprocess.run([dbt, "run", *common, "--target", "postgres"], cwd=project, capture_output=True,
                                 text=True, env=env)
    assert on_postgres.returncode != 0, "a DuckDB-only function ran on PostgreSQL"
    assert "function epoch" in on_postgres.stdout and "does not exist" in on_postgres.stdout, \
        on_postgres.stdout[-3000:]
