"""Structural faults stop the run before anything is written; failed runs leave
the last good warehouse untouched; reruns are idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FAST, FIXTURES, copy_landing, file_digest, load_only, make_run, query

GOOD_ORDER = "order_id,member_id,ordered_at,status\nO7,U1,2024-03-02T10:00:00+08:00,paid\n"


@pytest.fixture()
def built(handwritten_db, tmp_path) -> tuple[Path, Path]:
    """A landing copy and a copy of the warehouse built from it."""
    landing = copy_landing(FIXTURES / "handwritten", tmp_path / "landing")
    db = tmp_path / "radar.duckdb"
    shutil.copy(handwritten_db, db)
    return landing, db


def add_batch(landing: Path, name: str, files: dict[str, str | bytes]) -> None:
    folder = landing / name
    folder.mkdir()
    for file, content in files.items():
        path = folder / file
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


STRUCTURAL = {
    "missing required column": (
        {"orders.csv": "order_id,member_id,status\nO7,U1,paid\n"},
        "missing required column(s) ordered_at",
    ),
    "no offset in a whole timestamp column": (
        {"orders.csv": "order_id,member_id,ordered_at,status\nO7,U1,2024-03-02T10:00:00,paid\n"
                       "O8,U1,2024-03-02T11:00:00,paid\n"},
        "no value of timestamp column ordered_at has a UTC offset",
    ),
    "unreadable file": (
        {"orders.csv": GOOD_ORDER, "order_items.parquet": b"\x00\x01 not parquet"},
        "cannot read",
    ),
    "ragged csv": (
        {"orders.csv": "order_id,member_id,ordered_at,status\nO7,U1,2024-03-02T10:00:00+08:00,paid,x,y\n"},
        "cannot parse the CSV",
    ),
    # order_items has no timestamp column: the structure check reads none of it, and the
    # load's own read finds the ragged row (after a good file of the batch was loaded)
    "ragged csv found while loading": (
        {"orders.csv": GOOD_ORDER,
         "order_items.csv": "order_id,line_no,sku,category_code,quantity,line_amount,refunded_amount\n"
                            "O7,1,SKU-1,skincare,1,10.00,0\nO7,2,SKU-2,skincare,1,10.00,0,extra\n"},
        "cannot parse the CSV",
    ),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_fault_stops_run_and_keeps_warehouse(built, case):
    landing, db = built
    files, message = STRUCTURAL[case]
    before = file_digest(db)
    add_batch(landing, "batch_003", files)
    done = make_run(landing, db, check=False)
    assert done.returncode != 0
    assert message in done.stderr
    assert "warehouse is unchanged" in done.stderr
    assert file_digest(db) == before
    assert not list(db.parent.glob("*.building*"))


def test_batch_arriving_out_of_order_is_refused(built):
    landing, db = built
    before = file_digest(db)
    add_batch(landing, "batch_000_late", {"orders.csv": GOOD_ORDER})
    done = make_run(landing, db, check=False)
    assert done.returncode != 0
    assert "sorts before the already loaded batch" in done.stderr
    assert file_digest(db) == before


def test_failed_dbt_build_keeps_warehouse_and_batch_unloaded(built):
    landing, db = built
    before = file_digest(db)
    add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
    from radar.pipeline import run  # in-process, to pass a breaking dbt var

    with pytest.raises(RuntimeError, match="dbt build failed"):
        run(landing, db, dbt_vars={"business_timezone": "Not/A_Zone"}, docs_dir=None, data_tests=not FAST)
    assert file_digest(db) == before
    # the batch is loaded by the next good run
    load_only(landing, db)
    assert query(db, "select count(*) from landing.orders where order_id = 'O7'") == [(1,)]


def test_rerun_is_idempotent_and_reload_is_equal(built, tmp_path):
    landing, db = built
    tables = ["landing.members", "landing.orders", "landing.order_items",
              "landing.group_memberships", "landing.quarantine", "staging.stg_landing__orders"]

    def snapshot(path):
        return {t: sorted(map(repr, query(path, f"select * exclude (_loaded_at) from {t}"
                                          if t.startswith("landing.") and t != "landing.quarantine"
                                          else f"select * exclude (loaded_at) from {t}"
                                          if t.startswith("staging") else
                                          f"select * exclude (quarantined_at) from {t}")))
                for t in tables}

    first = snapshot(db)
    done = load_only(landing, db)
    assert "nothing new to load" in done.stderr
    assert snapshot(db) == first
    reloaded = tmp_path / "reloaded.duckdb"
    shutil.copy(db, reloaded)
    from radar.pipeline import run

    run(landing, reloaded, reload=True, docs_dir=None, data_tests=not FAST)
    assert snapshot(reloaded) == first


def test_parquet_batch_is_accepted(built):
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing, db = built
    folder = landing / "batch_003"
    folder.mkdir()
    table = pa.table({
        "order_id": ["O7"], "member_id": ["U1"],
        # 2024-03-02T20:00Z: 04:00 on March 3 in Shanghai; read as local time it would be
        # 12:00Z, March 2 (a loader that dropped the zone would fail here)
        "ordered_at": pa.array([1709409600000000], type=pa.timestamp("us", tz="UTC")),
        "status": ["paid"],
    })
    pq.write_table(table, folder / "orders.parquet")
    load_only(landing, db)
    # the local date is the staging model's: build it alone on the loaded warehouse
    from radar.pipeline import run_dbt

    run_dbt(["run", "--select", "stg_landing__orders"], db, {})
    import datetime as dt
    assert query(db, "select ordered_at_utc, order_date from staging.stg_landing__orders where order_id = 'O7'") == [
        (dt.datetime(2024, 3, 2, 20, 0), dt.date(2024, 3, 3))]


def test_digits_of_other_scripts_are_quarantined_not_fatal(built):
    """'٣' (Arabic-Indic three) and '１.5' (a full-width one) read as numbers in Python and pandas
    but not in the warehouse's cast: each row is quarantined as invalid_number and the run goes on."""
    landing, db = built
    add_batch(landing, "batch_003", {
        "orders.csv": GOOD_ORDER,
        "order_items.csv": "order_id,line_no,sku,category_code,quantity,line_amount,refunded_amount\n"
                           "O7,1,SKU-1,skincare,1,10,0\n"
                           "O7,\u0663,SKU-1,skincare,1,10,0\n"
                           "O7,3,SKU-1,skincare,1,\uff11.5,0\n",
    })
    load_only(landing, db)
    assert query(db, """
        select source_file, source_row_number, reason_code from staging.stg_landing__quarantine
        where source_batch = 'batch_003' order by 1, 2""") == [
        ("order_items", 2, "invalid_number"), ("order_items", 3, "invalid_number")]
    assert query(db, "select line_no from staging.stg_landing__order_items where order_id = 'O7'") == [(1,)]
