"""Publish the validated landing schema to the PostgreSQL or Spark target.

The loader (:mod:`radar.loader`) validates every batch and upserts it into a
DuckDB file's ``landing`` schema: that file is the system of record for the
landing tables, the quarantine and the load accounting, whatever engine runs
the models. For the ``postgres`` and ``spark`` dbt targets the pipeline then
*publishes* that landing schema to the engine, before ``dbt build``:

* **PostgreSQL** — one transaction: the rows of the batches PostgreSQL has not
  seen yet (its ``landing.load_log`` says which it has) are sent with
  ``COPY ... FROM STDIN (FORMAT csv)`` into temporary tables, replace the rows
  with the same primary key, and the batches' quarantine and load-log rows are
  appended. Row counts are then compared table by table with DuckDB; should
  they differ (PostgreSQL edited by hand, a batch republished with ``--reload``)
  the whole landing schema is copied again in the same transaction. Either all
  of it commits or nothing does.
* **Spark** — DuckDB writes every landing table as Parquet
  (``COPY ... TO ... (FORMAT parquet)``) into ``$RADAR_SPARK_LANDING/<table>``;
  the folders of the previous run are swapped out by renames and kept until
  the run succeeds, so a failed run puts them back. ``dbt run-operation
  register_landing_tables`` (re)creates ``landing.<table>`` as external Parquet
  tables over those folders. Rewriting whole tables costs time in proportion to
  the landing data, which is fine at the sizes a single loader handles.

Both engines therefore hold exactly the rows, quarantine and accounting of the
DuckDB landing schema: the same rules ran once, in one place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from radar.contract import FILE_ORDER, FILES
from radar.loader import log

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("dev", "postgres", "spark")
#: landing tables: the contract files (upserted by primary key), then the
#: append-only quarantine and load log (keyed by batch)
DATA_TABLES = tuple(FILE_ORDER)
LOG_TABLES = ("quarantine", "load_log")
LANDING_TABLES = DATA_TABLES + LOG_TABLES


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _batch_column(table: str) -> str:
    return "batch" if table in LOG_TABLES else "_batch"


def duckdb_columns(duck: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of ``landing.<table>`` in DuckDB, in column order."""
    return duck.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'landing' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def duckdb_batches(duck: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in duck.execute("select distinct batch from landing.load_log order by 1").fetchall()]


@dataclass
class PublishReport:
    target: str
    batches: list[str] = field(default_factory=list)  # batches sent
    rows: dict[str, int] = field(default_factory=dict)  # rows sent per table
    full: bool = False  # whole landing schema sent
    seconds: float = 0.0

    def summary(self) -> str:
        what = "whole landing schema" if self.full else f"{len(self.batches)} new batch(es)"
        rows = ", ".join(f"{t}={n:,}" for t, n in self.rows.items() if n)
        return f"published {what} to {self.target} in {self.seconds:.1f} s ({rows or 'no rows'})"


# ---------------------------------------------------------------- PostgreSQL


def pg_connection_parameters(env: dict | None = None) -> dict:
    """psycopg2 parameters from the same variables as the `postgres` profile."""
    env = os.environ if env is None else env
    return {
        "host": env.get("RADAR_PG_HOST", "127.0.0.1"),
        "port": int(env.get("RADAR_PG_PORT", "5432")),
        "user": env.get("RADAR_PG_USER", "radar"),
        "password": env.get("RADAR_PG_PASSWORD", ""),
        "dbname": env.get("RADAR_PG_DATABASE", "radar"),
        "connect_timeout": 10,
    }


def pg_connect(env: dict | None = None):
    import psycopg2  # only the postgres target needs it

    return psycopg2.connect(**pg_connection_parameters(env))


class PostgresPublisher:
    """Copies the landing rows PostgreSQL lacks, in one transaction."""

    target = "postgres"

    def __init__(self, env: dict | None = None):
        self.env = env

    def publish(self, duck_path: Path, full: bool = False) -> PublishReport:
        started = time.monotonic()
        report = PublishReport(self.target, full=full)
        with duckdb.connect(str(duck_path), read_only=True) as duck, tempfile.TemporaryDirectory(
            prefix="radar_pg_copy_"
        ) as scratch:
            pg = pg_connect(self.env)
            try:
                with pg:  # one transaction: commit on success, roll back on any error
                    with pg.cursor() as cur:
                        self._sync(cur, duck, Path(scratch), report)
            finally:
                pg.close()
        report.seconds = time.monotonic() - started
        return report

    def clear(self) -> None:
        """Empty the landing tables (used to undo the first run's publish)."""
        pg = pg_connect(self.env)
        try:
            with pg, pg.cursor() as cur:
                cur.execute("select table_name from information_schema.tables where table_schema = 'landing'")
                present = {r[0] for r in cur.fetchall()}
                for table in LANDING_TABLES:
                    if table in present:
                        cur.execute(f"truncate table landing.{table}")
        finally:
            pg.close()

    def _sync(self, cur, duck, scratch: Path, report: PublishReport) -> None:
        cur.execute("create schema if not exists landing")
        columns = {t: duckdb_columns(duck, t) for t in LANDING_TABLES}
        cur.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'landing' order by table_name, ordinal_position"
        )
        existing: dict[str, list[str]] = {}
        for table, column, _ in cur.fetchall():
            existing.setdefault(table, []).append(column)
        for table in LANDING_TABLES:
            names = [c for c, _ in columns[table]]
            if table in existing and existing[table] != names:
                log(f"  postgres: landing.{table} has other columns than DuckDB; recreating it")
                cur.execute(f"drop table landing.{table}")
                existing.pop(table)
                report.full = True
            if table not in existing:
                ddl = ", ".join(f"{c} {t}" for c, t in columns[table])
                cur.execute(f"create table landing.{table} ({ddl})")

        cur.execute("select distinct batch from landing.load_log")
        seen = {r[0] for r in cur.fetchall()}
        batches = duckdb_batches(duck)
        if seen - set(batches):
            log("  postgres: it holds batches the DuckDB landing does not; republishing everything")
            report.full = True
        if not report.full:
            report.batches = [b for b in batches if b not in seen]
            self._send(cur, duck, scratch, report, report.batches)
            mismatch = self._count_mismatch(cur, duck)
            if not mismatch:
                return
            log(f"  postgres: row counts differ from DuckDB ({mismatch}); republishing everything")
            report.full = True
        report.batches = batches
        report.rows = {}
        for table in LANDING_TABLES:
            cur.execute(f"truncate table landing.{table}")
        self._send(cur, duck, scratch, report, None)
        mismatch = self._count_mismatch(cur, duck)
        if mismatch:
            raise RuntimeError(f"publish to postgres: row counts differ after a full copy ({mismatch})")

    def _send(self, cur, duck, scratch: Path, report: PublishReport, batches: list[str] | None) -> None:
        """Upsert the rows of ``batches`` (None: every row, into empty tables)."""
        if batches is not None and not batches:
            return
        for table in LANDING_TABLES:
            names = [c for c, _ in duckdb_columns(duck, table)]
            where = ""
            if batches is not None:
                where = f" where {_batch_column(table)} in ({', '.join(map(_quote_literal, batches))})"
            csv_path = scratch / f"{table}.csv"
            duck.execute(
                f"copy (select {', '.join(names)} from landing.{table}{where}) "
                f"to '{csv_path}' (format csv, header false)"
            )
            column_list = ", ".join(names)
            upsert = batches is not None and table in DATA_TABLES
            destination = "radar_publish" if upsert else f"landing.{table}"
            if upsert:
                cur.execute("drop table if exists radar_publish")
                cur.execute(
                    f"create temporary table radar_publish (like landing.{table}) on commit drop"
                )
            with csv_path.open("r", encoding="utf-8") as handle:
                cur.copy_expert(f"copy {destination} ({column_list}) from stdin with (format csv)", handle)
            report.rows[table] = cur.rowcount if cur.rowcount >= 0 else 0
            if upsert:
                key = FILES[table].primary_key
                match = " and ".join(f"t.{k} = s.{k}" for k in key)
                cur.execute(f"delete from landing.{table} as t using radar_publish as s where {match}")
                cur.execute(f"insert into landing.{table} ({column_list}) select {column_list} from radar_publish")
                cur.execute("drop table radar_publish")
            csv_path.unlink()

    @staticmethod
    def _count_mismatch(cur, duck) -> str:
        differences = []
        for table in LANDING_TABLES:
            expected = duck.execute(f"select count(*) from landing.{table}").fetchone()[0]
            cur.execute(f"select count(*) from landing.{table}")
            actual = cur.fetchone()[0]
            if expected != actual:
                differences.append(f"{table}: duckdb {expected}, postgres {actual}")
        return "; ".join(differences)


# ---------------------------------------------------------------- Spark


def spark_dir(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("RADAR_SPARK_DIR", PROJECT_ROOT / "warehouse" / "spark")).resolve()


def spark_landing_dir(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("RADAR_SPARK_LANDING", spark_dir(env) / "landing")).resolve()


class SparkPublisher:
    """Writes every landing table as Parquet; swaps folders so a failure can undo it."""

    target = "spark"

    def __init__(self, env: dict | None = None):
        self.root = spark_landing_dir(env)
        self.run_id = uuid.uuid4().hex[:12]
        self._previous: dict[str, Path | None] = {}

    def publish(self, duck_path: Path, full: bool = True) -> PublishReport:
        started = time.monotonic()
        report = PublishReport(self.target, full=True)
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".*"):  # left by a run that was killed
            shutil.rmtree(stale, ignore_errors=True)
        staged: dict[str, Path] = {}
        with duckdb.connect(str(duck_path), read_only=True) as duck:
            duck.execute("set TimeZone = 'UTC'")
            report.batches = duckdb_batches(duck)
            for table in LANDING_TABLES:
                columns = duckdb_columns(duck, table)
                # timestamps hold UTC wall-clock time: write them as instants
                # (Parquet isAdjustedToUTC), which Spark reads as TIMESTAMP
                selects = ", ".join(
                    f"cast({c} as timestamptz) as {c}" if t.upper().startswith("TIMESTAMP") else c
                    for c, t in columns
                )
                folder = self.root / f".{table}.{self.run_id}"
                folder.mkdir()
                duck.execute(
                    f"copy (select {selects} from landing.{table}) "
                    f"to '{folder / 'part-00000.parquet'}' (format parquet)"
                )
                staged[table] = folder
                report.rows[table] = duck.execute(f"select count(*) from landing.{table}").fetchone()[0]
        for table, folder in staged.items():  # swap in: one rename per table
            live = self.root / table
            previous = None
            if live.exists():
                previous = self.root / f".{table}.{self.run_id}.previous"
                live.rename(previous)
            folder.rename(live)
            self._previous[table] = previous
        report.seconds = time.monotonic() - started
        return report

    def commit(self) -> None:
        for previous in self._previous.values():
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
        self._previous = {}

    def rollback(self) -> None:
        for table, previous in self._previous.items():
            live = self.root / table
            shutil.rmtree(live, ignore_errors=True)
            if previous is not None:
                previous.rename(live)
        self._previous = {}


# ---------------------------------------------------------------- the pipeline's view


class Publication:
    """One publish of a pipeline run, with what it takes to undo it."""

    def __init__(self, target: str, last_good: Path | None, env: dict | None = None):
        if target not in ("postgres", "spark"):
            raise ValueError(f"nothing to publish for target {target!r}")
        self.target, self.last_good, self.env = target, last_good, env
        self.publisher = PostgresPublisher(env) if target == "postgres" else SparkPublisher(env)
        self.report: PublishReport | None = None

    def publish(self, duck_path: Path, full: bool = False) -> PublishReport:
        self.report = self.publisher.publish(duck_path, full=full)
        log("  " + self.report.summary())
        return self.report

    def commit(self) -> None:
        if isinstance(self.publisher, SparkPublisher):
            self.publisher.commit()

    def rollback(self) -> None:
        """Put the engine's landing schema back as the last good DuckDB file has it."""
        if self.report is None:
            return
        if isinstance(self.publisher, SparkPublisher):
            self.publisher.rollback()
            return
        if self.last_good is not None and self.last_good.exists():
            log(f"  postgres: restoring the landing schema of {self.last_good.name}")
            self.publisher.publish(self.last_good, full=True)
        else:
            log("  postgres: emptying the landing schema (no earlier good warehouse)")
            self.publisher.clear()


def spark_dbt_executable() -> str:
    """dbt of the Spark venv (.venv-spark), or $RADAR_SPARK_DBT."""
    configured = os.environ.get("RADAR_SPARK_DBT")
    if configured:
        return configured
    local = PROJECT_ROOT / ".venv-spark" / "bin" / "dbt"
    if not local.exists():
        raise RuntimeError(
            "the spark target needs .venv-spark (make setup-spark) or RADAR_SPARK_DBT pointing at a "
            "dbt with dbt-spark installed"
        )
    return str(local)


def engine_environment(target: str, env: dict) -> dict:
    """Environment variables dbt needs for ``target`` (absolute Spark paths)."""
    env = dict(env)
    if target == "spark":
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        env["RADAR_SPARK_DIR"] = str(spark_dir(env))
        env["RADAR_SPARK_LANDING"] = str(spark_landing_dir(env))
    return env
