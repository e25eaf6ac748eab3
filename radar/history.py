"""Batch history across ``--reload``: no loaded batch disappears without a trace.

``--reload`` rebuilds the landing tables from the batch folders in the landing
directory. A batch the warehouse has loaded but the folder no longer holds would
silently vanish from history, so the run refuses unless the operator names it
with ``--forget-batch NAME``; each forgotten batch is recorded in
``landing.run_audit``, which every reload carries over from the old warehouse.
"""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from radar.loader import StructuralError

AUDIT_TABLE = "landing.run_audit"


def check_reload(loaded: list[str], present: list[str], forget: tuple[str, ...]) -> list[str]:
    """The batches ``--reload`` drops (all named in ``forget``); raise otherwise."""
    unknown = sorted(set(forget) - set(loaded))
    if unknown:
        raise StructuralError(
            f"--forget-batch {', '.join(unknown)}: no such batch in the warehouse "
            f"(loaded: {', '.join(loaded) or 'none'})"
        )
    kept = sorted(set(forget) & set(present))
    if kept:
        raise StructuralError(
            f"--forget-batch {', '.join(kept)}: the batch is still in the landing folder; "
            "remove the folder first or do not forget it"
        )
    missing = [b for b in loaded if b not in present and b not in forget]
    if missing:
        raise StructuralError(
            f"--reload would drop loaded batch(es) {', '.join(missing)}: they are no longer in the "
            "landing folder; put them back, or drop them from history with --forget-batch NAME"
        )
    return [b for b in loaded if b in forget]


def ensure_audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists landing")
    con.execute(
        f"create table if not exists {AUDIT_TABLE} (run_id varchar, event varchar, batch varchar, "
        "detail varchar, by_user varchar, recorded_at timestamp)"
    )


def carry_audit(con: duckdb.DuckDBPyConnection, old_db: Path, forgotten: list[str],
                loaded_before: list[str]) -> None:
    """Copy the audit trail of ``old_db`` into ``con`` and record this reload's forgotten batches."""
    ensure_audit(con)
    con.execute(f"attach '{old_db}' as old_warehouse (read_only)")
    try:
        has_audit = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'old_warehouse' "
            "and schema_name = 'landing' and table_name = 'run_audit'"
        ).fetchone()[0]
        if has_audit:
            con.execute(f"insert into {AUDIT_TABLE} select * from old_warehouse.{AUDIT_TABLE}")
        rows = {
            r[0]: r[1:] for r in con.execute(
                "select batch, sum(rows_loaded), sum(rows_quarantined) "
                "from old_warehouse.landing.load_log group by batch"
            ).fetchall()
        } if loaded_before else {}
    finally:
        con.execute("detach old_warehouse")
    run_id = uuid.uuid4().hex[:12]
    now = pd.Timestamp.now(tz="UTC").tz_convert(None).to_pydatetime()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    for batch in forgotten:
        loaded, quarantined = rows.get(batch, (0, 0))
        con.execute(
            f"insert into {AUDIT_TABLE} values (?, 'forget_batch', ?, ?, ?, ?)",
            [run_id, batch, f"dropped from history by --reload --forget-batch; it had {loaded} "
             f"loaded and {quarantined} quarantined rows", user, now],
        )
