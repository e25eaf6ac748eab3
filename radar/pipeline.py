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
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from radar.loader import (
    DEFAULT_CHUNK_ROWS,
    StructuralError,
    check_structure,
    discover,
    load_batches,
    loaded_batches,
    log,
    summary_table,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "radar.duckdb"
TARGETS = ("dev", "postgres", "spark")
DEFAULT_DOCS = PROJECT_ROOT / "target" / "gx_data_docs"


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
    from radar.engines import engine_environment

    env = engine_environment(target or "dev", dict(os.environ))
    env["RADAR_DB_PATH"] = str(db_path)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    args = [dbt_executable(target), *command, "--project-dir", str(PROJECT_ROOT),
            "--profiles-dir", str(PROJECT_ROOT / "profiles")]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if target:
        args += ["--target", target]
        if target != "dev" and "DBT_TARGET_PATH" not in env:
            # own compiled SQL and partial-parse state per engine, so that runs
            # on different targets (or side by side) do not invalidate each other
            args += ["--target-path", str(PROJECT_ROOT / "target" / target)]
    log("$ " + " ".join(args))
    # beside the warehouse (not in the shared logs/), so that builds of different warehouses
    # never write the same file
    log_path = db_path.with_name(f"{db_path.name.removesuffix('.building')}.dbt_{command[0].replace('-', '_')}.log")
    returncode = _run_quietly(args, env, log_path)
    if returncode != 0:
        raise RuntimeError(f"dbt {command[0]} failed (exit {returncode}); full output: {log_path}")


_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP|REUSED)\b")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run_quietly(args: list[str], env: dict, log_path: Path) -> int:
    """Run dbt with its output going to ``log_path``; print progress at each quarter, then
    dbt's one-line summary (``Done. PASS=…``) or, on failure, the failing nodes and the log path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    summary = ""
    shown_quarter = 0
    with log_path.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(args, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
        assert process.stdout is not None
        for raw in process.stdout:
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
        returncode = process.wait()
    if summary:
        log(f"  dbt: {summary}")
    if returncode != 0:
        for failure in failures[:20] or ["(no node failed: see the log)"]:
            log(f"  failed: {failure}")
        if len(failures) > 20:
            log(f"  … {len(failures) - 20} more failures")
    log(f"  dbt output: {log_path}")
    return returncode


def landing_registered_on_run_start() -> bool:
    """True when dbt_project.yml registers the Spark landing tables in an on-run-start hook."""
    project = (PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8")
    return "on-run-start" in project and "register_landing_tables" in project


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
) -> list:
    import duckdb

    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")

    started = time.monotonic()
    dbt_vars = dict(dbt_vars or {})
    if as_of:
        dt.date.fromisoformat(as_of)  # clear error on a malformed date
        dbt_vars["as_of_date"] = as_of
    db_path = db_path.resolve()
    batches = discover(landing)
    if not batches:
        raise StructuralError(f"no batch folders in {landing}")

    done: list[str] = []
    if db_path.exists() and not reload:
        with duckdb.connect(str(db_path), read_only=True) as con:
            done = loaded_batches(con)
    new = [b for b in batches if b.name not in done]
    if new and done and new[0].name < done[-1]:
        raise StructuralError(
            f"batch {new[0].name} sorts before the already loaded batch {done[-1]}; "
            "batches must arrive in lexical order (rerun with --reload to rebuild the "
            "landing tables from every batch)"
        )
    log(f"[1/3] checking structure of {len(new)} new batch(es) in {landing} "
        f"({len(done)} already loaded)")
    for warning in check_structure(new, chunk_rows):
        log(f"  warning: {warning}")

    db_path.parent.mkdir(parents=True, exist_ok=True)
    work = db_path.with_name(db_path.name + ".building")
    for leftover in (work, work.with_name(work.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if db_path.exists() and not reload:
        shutil.copyfile(db_path, work)
    publication = None
    try:
        log(f"[2/3] validating and loading into {work.name}")
        # DuckDB's own memory is capped (it spills to disk beyond it); the
        # pandas chunks of the row validation come on top.
        loader_config = {"memory_limit": os.environ.get("RADAR_LOADER_MEMORY_LIMIT", "3GB"),
                         "threads": int(os.environ.get("RADAR_THREADS", "2"))}
        with duckdb.connect(str(work), config=loader_config) as con:
            reports = load_batches(con, new, docs_dir, chunk_rows)
        if reports:
            print(summary_table(reports), flush=True)
        else:
            log("  nothing new to load")
        if target != "dev":
            from radar.engines import Publication

            log(f"[2b/3] publishing the landing schema to {target}")
            publication = Publication(target, db_path if db_path.exists() else None)
            publication.publish(work, full=reload)
            if target == "spark" and not landing_registered_on_run_start():
                run_dbt(["run-operation", "register_landing_tables"], work, {}, target)
        if build:
            log(f"[3/3] dbt build (target {target})")
            run_dbt(["build"], work, dbt_vars, None if target == "dev" else target)
        if publication is not None:
            publication.commit()
        os.replace(work, db_path)
    except BaseException:
        if publication is not None:
            try:
                publication.rollback()
            except Exception as exc:  # report, but keep the original error
                log(f"  warning: could not restore the {target} landing schema ({exc}); "
                    "the next run republishes it")
        for leftover in (work, work.with_name(work.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    log(f"warehouse: {db_path}")
    if docs_dir is not None and reports:
        log(f"GX Data Docs: {docs_dir / 'index.html'}")
    log(f"done in {time.monotonic() - started:.1f} s")
    return reports


def main(argv: list[str] | None = None) -> int:
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
    parser.add_argument("--no-build", action="store_true", help="validate and load only")
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                        help="rows validated at a time (memory bound)")
    args = parser.parse_args(argv)
    db = args.db or Path(os.environ.get("RADAR_DB_PATH") or default_db(args.target))
    try:
        run(args.landing, db, args.as_of, args.docs_dir, args.reload,
            not args.no_build, args.chunk_rows, target=args.target)
    except StructuralError as exc:
        print(f"error: {exc}. Nothing was loaded; the warehouse is unchanged.", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}. The warehouse is unchanged.", file=sys.stderr)
        return 1
    return 0
