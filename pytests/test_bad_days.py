"""Bad days (issue 12, part A): concurrent runs, a killed writer, typos in time,
files that used to be ignored, values too large for their column, odd headers.

Every case checks the exit code, the one-line message (never a traceback) and
that nothing is lost: rows read = loaded + quarantined, and the batch is either
loaded or the warehouse is unchanged. Most runs call ``radar.pipeline.main`` in
the test process with ``--no-build`` (validation and loading are what is under
test); runs that must be separate processes (concurrency, a FIFO that would
hang) use ``scripts/radar_run.py``. One run builds the models.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, ROOT, SCENARIO_FLAGS, copy_landing, file_digest, query

from radar import pipeline

RUN_SCRIPT = ROOT / "scripts" / "radar_run.py"
ORDERS_HEADER = "order_id,member_id,ordered_at,status\n"
GOOD_ORDER = ORDERS_HEADER + "O7,U1,2024-03-02T10:00:00+08:00,paid\n"


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """The hand-written batches validated and loaded (no models: fast)."""
    db = tmp_path_factory.mktemp("bad_days_base") / "radar.duckdb"
    assert pipeline.main(["--landing", str(FIXTURES / "handwritten"), "--db", str(db),
                          "--docs-dir", str(db.parent / "docs"), "--no-build"]) == 0
    return db


@pytest.fixture()
def built(base_db, tmp_path) -> tuple[Path, Path]:
    landing = copy_landing(FIXTURES / "handwritten", tmp_path / "landing")
    db = tmp_path / "wh" / "radar.duckdb"
    db.parent.mkdir()
    shutil.copy(base_db, db)
    return landing, db


def add_batch(landing: Path, name: str, files: dict[str, str | bytes]) -> Path:
    folder = landing / name
    folder.mkdir()
    for file, content in files.items():
        (folder / file).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def run_inline(capsys, landing: Path, db: Path, *extra: str) -> tuple[int, str]:
    """``scripts/radar_run.py`` in this process; returns (exit code, stderr)."""
    capsys.readouterr()
    code = pipeline.main(["--landing", str(landing), "--db", str(db),
                          "--docs-dir", str(db.parent / "docs"), "--no-build", *extra])
    return code, capsys.readouterr().err


def run_process(landing: Path, db: Path, *extra: str, env: dict | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(RUN_SCRIPT), "--landing", str(landing), "--db", str(db),
         "--docs-dir", str(db.parent / "docs"), *extra],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env=dict(os.environ, **(env or {})),
    )


def start_process(landing: Path, db: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(RUN_SCRIPT), "--landing", str(landing), "--db", str(db),
         "--docs-dir", str(db.parent / "docs"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=dict(os.environ, **(env or {})),
    )


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, f"run ended early:\n{proc.communicate()[1][-3000:]}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def error_line(stderr: str) -> str:
    """The run's error: exactly one line starting with ``error:``, and no traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


def accounting(db: Path, batch: str) -> dict[str, tuple[int, int, int]]:
    rows = query(db, "select file, rows_read, rows_loaded, rows_quarantined from landing.load_log "
                     "where batch = ?", [batch])
    for _, read, loaded, quarantined in rows:
        assert read == loaded + quarantined
    return {f: (r, lo, q) for f, r, lo, q in rows}


def reasons(db: Path, batch: str) -> dict[tuple[str, int], str]:
    return {(f, n): r for f, n, r in query(
        db, "select file, row_number, reason_code from landing.quarantine where batch = ?", [batch])}


def loaded_batches(db: Path) -> list[str]:
    return [b for (b,) in query(db, "select distinct batch from landing.load_log order by 1")]


# ---------------------------------------------------------------- one run at a time


@pytest.mark.parametrize("phase", ["structure", "load", "swap"])
def test_second_run_is_refused_while_the_first_runs(built, tmp_path, capsys, phase):
    landing_a, db = built
    add_batch(landing_a, "batch_003", {"orders.csv": GOOD_ORDER})
    landing_b = copy_landing(landing_a, tmp_path / "landing_b")
    add_batch(landing_b, "batch_004", {"orders.csv": ORDERS_HEADER + "O8,U2,2024-03-03T10:00:00+08:00,paid\n"})
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    a = start_process(landing_a, db, "--no-build", env={"RADAR_PAUSE_AT": f"{phase}:{barrier}"})
    try:
        wait_for(barrier / "reached", a)
        before = file_digest(db)
        b = run_process(landing_b, db, "--no-build", timeout=120)
        assert b.returncode == 3
        assert "another run (pid" in error_line(b.stderr)
        assert file_digest(db) == before
    finally:
        (barrier / "release").touch()
        _, a_err = a.communicate(timeout=300)
    assert a.returncode == 0, a_err[-3000:]
    assert loaded_batches(db) == ["batch_001", "batch_002", "batch_003"]
    # the refused run loses nothing: run again, both batches are in
    code, err = run_inline(capsys, landing_b, db)
    assert code == 0, err
    assert loaded_batches(db) == ["batch_001", "batch_002", "batch_003", "batch_004"]
    assert query(db, "select order_id from landing.orders where order_id in ('O7', 'O8') order by 1") == [
        ("O7",), ("O8",)]
    assert not list(db.parent.glob("*.building*"))


def test_second_run_waits_while_the_first_builds(built, tmp_path):
    """Also the issue's far-future typo end to end: A builds the models, as_of_date stays sane."""
    landing_a, db = built
    add_batch(landing_a, "batch_003", {"orders.csv": GOOD_ORDER + "O9,U1,9999-12-31T23:59:59+08:00,paid\n"})
    landing_b = copy_landing(landing_a, tmp_path / "landing_b")
    add_batch(landing_b, "batch_004", {"orders.csv": ORDERS_HEADER + "O8,U2,2024-03-03T10:00:00+08:00,paid\n"})
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    a = start_process(landing_a, db, *SCENARIO_FLAGS, env={"RADAR_PAUSE_AT": f"build:{barrier}"})
    try:
        wait_for(barrier / "reached", a)
        b = start_process(landing_b, db, "--no-build", "--wait", "600")
        time.sleep(1.0)
        assert b.poll() is None  # waiting for the lock, not refused
        assert not db.with_name(f"{db.name}.building-{b.pid}").exists()
    finally:
        (barrier / "release").touch()
    _, a_err = a.communicate(timeout=600)
    _, b_err = b.communicate(timeout=600)
    assert a.returncode == 0, a_err[-3000:]
    assert b.returncode == 0, b_err[-3000:]
    assert "Traceback" not in a_err + b_err
    assert loaded_batches(db) == ["batch_001", "batch_002", "batch_003", "batch_004"]
    assert query(db, "select count(*) from staging.stg_landing__orders where order_id = 'O7'") == [(1,)]
    assert reasons(db, "batch_003") == {("orders", 2): "future_timestamp"}
    # 2024-03-02T10:00+08:00 (O7) is the latest plausible order; without the gate it was 9999-12-31
    assert query(db, "select as_of_date from intermediate.int_run_parameters") == [(dt.date(2024, 3, 2),)]


def test_dead_runs_work_file_is_cleaned_and_lock_is_released(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
    stale = db.with_name(db.name + ".building-999999")
    stale.write_bytes(b"left by a run that was killed")
    stale_dbt = db.with_name(db.name + ".building-999999.dbt")  # the folder its dbt ran in
    stale_dbt.mkdir()
    os.link(stale, stale_dbt / "radar.duckdb")
    barrier = db.parent / "barrier"
    barrier.mkdir()
    a = start_process(landing, db, "--no-build", env={"RADAR_PAUSE_AT": f"load:{barrier}"})
    wait_for(barrier / "reached", a)
    assert not stale.exists() and not stale_dbt.exists()  # removed under the lock
    a.send_signal(signal.SIGKILL)
    a.wait(timeout=60)
    code, err = run_inline(capsys, landing, db)  # the kernel released the dead run's lock
    assert code == 0, err
    assert "batch_003" in loaded_batches(db)
    assert not list(db.parent.glob("*.building*"))


TERMINATED_RUN = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from radar import pipeline
pipeline.stop_on_sigterm()
child_pid, db = sys.argv[2], Path(sys.argv[3])
# a stand-in for dbt's process (radar/dbt_session.py): it starts the command and never ends it
worker = db.with_name("worker.py")
worker.write_text("import os, pathlib, sys, time; sys.stdin.readline(); print('dbt started', flush=True); "
                  f"pathlib.Path({child_pid!r}).write_text(str(os.getpid())); time.sleep(300)")
pipeline.SESSION_WORKER = worker
db.touch()
with pipeline.dbt_session(db, {}) as dbt:
    dbt.run(["build"])
"""


def test_sigterm_stops_the_dbt_it_runs(tmp_path):
    """A run ended by SIGTERM (a scheduler's timeout) stops the dbt process it started before it
    deletes its work file; left running, dbt would go on writing to a file that is gone. While
    dbt runs, its log already shows what it printed (line by line, for tail -f)."""
    child_pid = tmp_path / "child.pid"
    run = subprocess.Popen([sys.executable, "-c", TERMINATED_RUN, str(ROOT), str(child_pid),
                            str(tmp_path / "w.duckdb")], stderr=subprocess.PIPE, text=True)
    dbt_log = tmp_path / "w.duckdb.dbt_build.log"
    deadline = time.monotonic() + 60
    while not child_pid.exists() or not child_pid.read_text():
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.stderr else ""
        time.sleep(0.1)
    pid = int(child_pid.read_text())
    log_deadline = time.monotonic() + 10  # the parent copies each line to the log as it reads it
    while "dbt started" not in dbt_log.read_text() and time.monotonic() < log_deadline:
        time.sleep(0.1)
    assert "dbt started" in dbt_log.read_text()
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 143
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


WRITER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("create table main.side_note as select 42 as answer")
print("ready", flush=True)
time.sleep(600)
"""


def test_killed_writer_leaves_wal_and_the_next_run_recovers_it(built, capsys):
    landing, db = built
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        # while the writer holds the warehouse open, a run refuses
        add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
        code, err = run_inline(capsys, landing, db)
        assert code == 3
        assert "open for writing" in error_line(err)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
    assert db.with_name(db.name + ".wal").exists()
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert not db.with_name(db.name + ".wal").exists()
    with duckdb.connect(str(db)) as con:  # opens read-write: no stale WAL to replay
        assert con.execute("select answer from main.side_note").fetchall() == [(42,)]  # not lost
        assert con.execute("select count(*) from landing.orders where order_id = 'O7'").fetchone() == (1,)


def test_writer_during_the_run_keeps_its_writes_and_the_run_is_refused(built, tmp_path, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    a = start_process(landing, db, "--no-build", env={"RADAR_PAUSE_AT": f"swap:{barrier}"})
    try:
        wait_for(barrier / "reached", a)
        with duckdb.connect(str(db)) as con:
            con.execute("create table main.side_note as select 7 as answer")
    finally:
        (barrier / "release").touch()
    _, err = a.communicate(timeout=300)
    assert a.returncode == 3
    assert "wrote to" in error_line(err)
    assert query(db, "select answer from main.side_note") == [(7,)]
    assert "batch_003" not in loaded_batches(db)
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert "batch_003" in loaded_batches(db)
    assert query(db, "select answer from main.side_note") == [(7,)]


# ---------------------------------------------------------------- time


def test_implausible_times_are_quarantined_and_as_of_stays_sane(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {
        "members.csv": "member_id,tier,joined_at\n"
                       "U7,399,2099-01-01T00:00:00+08:00\n"       # 1 future
                       "U8,199,2024-03-01T09:00:00+08:00\n",      # 2 fine
        "group_memberships.csv": "member_id,group_id,joined_at,left_at\n"
                                 "U8,G3,2204-06-15T10:00:00+08:00,\n"  # 1 future
                                 "U8,G2,2024-03-01T10:00:00+08:00,\n",  # 2 fine
        "orders.csv": ORDERS_HEADER
        + "O7,U1,9999-12-31T23:59:59+08:00,paid\n"   # 1 the typo of the issue
        + "O8,U1,2204-06-15T12:00:00+08:00,paid\n"   # 2
        + "O9,U1,2024-06-15,paid\n"                  # 3 a date is not a timestamp
        + "O10,U1,1999-12-31T23:59:59+08:00,paid\n"  # 4 before the platform start
        + "O11,U1,2000-01-01T00:00:00Z,paid\n"       # 5 exactly the platform start: fine
        + "O12,U1,2024-03-02T10:00:00+08:00,paid\n",  # 6 fine
    })
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert reasons(db, "batch_003") == {
        ("members", 1): "future_timestamp",
        ("group_memberships", 1): "future_timestamp",
        ("orders", 1): "future_timestamp",
        ("orders", 2): "future_timestamp",
        ("orders", 3): "invalid_timestamp",
        ("orders", 4): "before_platform_start",
    }
    assert accounting(db, "batch_003") == {
        "members": (2, 1, 1), "group_memberships": (2, 1, 1), "orders": (6, 2, 4)}
    assert query(db, "select max(ordered_at) from landing.orders") == [(dt.datetime(2024, 3, 2, 2, 0),)]


def test_time_gate_boundary_and_settings(built, capsys):
    landing, db = built
    # tolerance 0 days and a platform start of 2024-03-01: now + 1 hour is future,
    # 2024-03-01T00:00Z is exactly the start (kept), a second earlier is not
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    add_batch(landing, "batch_003", {"orders.csv": ORDERS_HEADER
                                     + f"O7,U1,{soon},paid\n"
                                     + "O8,U1,2024-03-01T00:00:00Z,paid\n"
                                     + "O9,U1,2024-02-29T23:59:59Z,paid\n"})
    code, err = run_inline(capsys, landing, db, "--future-tolerance-days", "0",
                           "--platform-start", "2024-03-01")
    assert code == 0, err
    assert reasons(db, "batch_003") == {("orders", 1): "future_timestamp",
                                        ("orders", 3): "before_platform_start"}
    assert accounting(db, "batch_003") == {"orders": (3, 1, 2)}


# ---------------------------------------------------------------- nothing ignored


STRUCTURAL = {
    "contract name in another case": ({"Orders.CSV": GOOD_ORDER}, "looks like the landing file orders"),
    "contract name with another extension": ({"orders.csv.gz": b"\x1f\x8b"}, "looks like the landing file orders"),
    "folder named like a file": ({"orders.csv/": ""}, "is a folder, not a data file"),
    "duplicate header column": (
        {"orders.csv": "order_id,member_id,ordered_at,status,status\nO7,U1,2024-03-02T10:00:00+08:00,paid,x\n"},
        "column(s) status appear more than once in the header"),
    "date-only column": (
        {"orders.csv": ORDERS_HEADER + "O7,U1,2024-03-02,paid\n"},
        "no value of timestamp column ordered_at has a UTC offset"),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_faults_of_bad_days(built, capsys, case):
    landing, db = built
    files, message = STRUCTURAL[case]
    folder = add_batch(landing, "batch_003", {k: v for k, v in files.items() if not k.endswith("/")})
    for name in files:
        if name.endswith("/"):
            (folder / name.rstrip("/")).mkdir()
    before = file_digest(db)
    code, err = run_inline(capsys, landing, db)
    assert code == 2
    line = error_line(err)
    assert message in line and "warehouse is unchanged" in line
    assert file_digest(db) == before


def test_fifo_named_like_a_file_does_not_hang(built):
    landing, db = built
    folder = add_batch(landing, "batch_003", {})
    os.mkfifo(folder / "orders.csv")
    before = file_digest(db)
    done = run_process(landing, db, "--no-build", timeout=120)
    assert done.returncode == 2
    assert "orders.csv: is a named pipe (FIFO), not a data file" in error_line(done.stderr)
    assert file_digest(db) == before


def test_nested_parquet_column_names_the_file(built, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    landing, db = built
    folder = add_batch(landing, "batch_003", {})
    pq.write_table(pa.table({"order_id": ["O7"], "member_id": [{"id": "U1"}],
                             "ordered_at": ["2024-03-02T10:00:00+08:00"], "status": ["paid"]}),
                   folder / "orders.parquet")
    code, err = run_inline(capsys, landing, db)
    assert code == 2
    assert "batch_003/orders.parquet: nested column(s) member_id" in error_line(err)


def test_empty_batch_folder_is_registered(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {})
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert query(db, "select file, rows_read, rows_loaded, rows_quarantined from landing.load_log "
                     "where batch = 'batch_003'") == [(None, 0, 0, 0)]
    # the next batch loads, and a late copy of the empty batch is not "new" again
    add_batch(landing, "batch_004", {"orders.csv": GOOD_ORDER})
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert loaded_batches(db) == ["batch_001", "batch_002", "batch_003", "batch_004"]


def test_reload_refuses_to_drop_a_missing_batch_unless_told(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
    assert run_inline(capsys, landing, db)[0] == 0
    shutil.rmtree(landing / "batch_003")
    before = file_digest(db)
    code, err = run_inline(capsys, landing, db, "--reload")
    assert code == 2
    assert "--reload would drop loaded batch(es) batch_003" in error_line(err)
    assert file_digest(db) == before
    code, err = run_inline(capsys, landing, db, "--reload", "--forget-batch", "batch_004")
    assert code == 2
    assert "--forget-batch batch_004: no such batch" in error_line(err)
    code, err = run_inline(capsys, landing, db, "--reload", "--forget-batch", "batch_003")
    assert code == 0, err
    assert loaded_batches(db) == ["batch_001", "batch_002"]
    assert query(db, "select count(*) from landing.orders where order_id = 'O7'") == [(0,)]
    audit = query(db, "select event, batch, detail from landing.run_audit")
    assert audit == [("forget_batch", "batch_003", "dropped from history by --reload --forget-batch; "
                      "it had 1 loaded and 0 quarantined rows")]
    # the trail survives the next reload
    assert run_inline(capsys, landing, db, "--reload")[0] == 0
    assert query(db, "select batch from landing.run_audit") == [("batch_003",)]


# ---------------------------------------------------------------- values and headers


def test_values_too_large_for_their_column_are_quarantined(built, capsys):
    landing, db = built
    header = "order_id,line_no,sku,category_code,quantity,line_amount,refunded_amount\n"
    add_batch(landing, "batch_003", {
        "orders.csv": GOOD_ORDER,
        "order_items.csv": header
        + "O7,1,S,home,1,99999999999999999999.99,0\n"     # 1 amt_huge
        + "O7,2,S,home,99999999999,1.00,0\n"               # 2 int_huge_qty
        + "O7,2147483648,S,home,1,1.00,0\n"                # 3 line_no = int32 max + 1
        + "O7,2147483647,S,home,2147483647,9999999999999999.99,0\n"  # 4 the largest values: fine
        + "O7,5,S,home,1,9999999999999999.995,0\n"         # 5 rounds up to 10^16
        + "O7,6,S,home,1,12.50,-99999999999999999999\n",   # 6 huge negative refund
    })
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert reasons(db, "batch_003") == {("order_items", n): "out_of_range" for n in (1, 2, 3, 5, 6)}
    assert accounting(db, "batch_003") == {"orders": (1, 1, 0), "order_items": (6, 1, 5)}
    assert query(db, "select line_no, quantity, cast(line_amount as varchar) from landing.order_items "
                     "where order_id = 'O7'") == [(2147483647, 2147483647, "9999999999999999.99")]


def test_byte_order_mark_is_accepted_and_said(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {"orders.csv": b"\xef\xbb\xbf" + GOOD_ORDER.encode("utf-8")})
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert "batch_003/orders.csv: starts with a UTF-8 byte order mark; accepted and dropped" in err
    assert accounting(db, "batch_003") == {"orders": (1, 1, 0)}


def test_keys_with_the_separator_are_not_duplicates(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {
        "groups.csv": "group_id,group_name,mentor_id,created_at\n"
                      "G9,x,M1,2024-01-01T00:00:00+08:00\nG1|G9,y,M1,2024-01-01T00:00:00+08:00\n",
        "members.csv": "member_id,tier,joined_at\nU|G1,199,2024-02-01T00:00:00+08:00\n"
                       "U,199,2024-02-01T00:00:00+08:00\n",
        # joined as text both keys read "U|G1|G9|<time>"; as tuples they differ
        "group_memberships.csv": "member_id,group_id,joined_at,left_at\n"
                                 "U|G1,G9,2024-02-02T00:00:00+08:00,\nU,G1|G9,2024-02-02T00:00:00+08:00,\n",
    })
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    assert reasons(db, "batch_003") == {}
    assert accounting(db, "batch_003")["group_memberships"] == (2, 2, 0)


def test_ragged_row_message_names_the_row_not_its_values(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {
        "members.csv": "member_id,tier,joined_at,phone,nickname\n"
                       "U7,399,2024-03-01T09:00:00+08:00,13912345678,王小二\n"
                       "U8,199,2024-03-01T09:00:00+08:00,13987654321,李四,extra\n",
    })
    code, err = run_inline(capsys, landing, db)
    assert code == 2
    line = error_line(err)
    assert "members.csv" in line and "data row 2 has 6 fields, the header has 5" in line
    for value in ("13912345678", "13987654321", "王小二", "李四"):
        assert value not in err


def test_data_docs_are_offline_and_named_by_batch(built, capsys):
    landing, db = built
    add_batch(landing, "batch_003", {"orders.csv": GOOD_ORDER})
    shutil.rmtree(db.parent / "docs", ignore_errors=True)
    code, err = run_inline(capsys, landing, db)
    assert code == 0, err
    docs = db.parent / "docs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "<td>batch_003</td><td>orders</td><td>1–1</td>" in index
    assert not list(docs.rglob("__none__"))
    page = next(docs.glob("validations/landing_orders/batch_003.orders.rows_1-1/*/*.html"))
    assert f'href="{page.relative_to(docs).as_posix()}"' in index
    import re
    for html in docs.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        remote = re.findall(r"<(?:link|script|img)\b[^>]*(?:href|src)=[\"']https?://", text)
        assert not remote, f"{html} loads {remote[:2]} from the internet"
