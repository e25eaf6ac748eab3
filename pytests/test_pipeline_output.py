"""The pipeline's dbt step prints a short summary, not dbt's whole output (radar.pipeline.dbt_session).

A stand-in for dbt (a tiny Python program printing dbt-like lines) keeps the
test fast: the whole output must land in the log file; the terminal gets a
progress line per quarter, dbt's one-line summary and, on failure, the
failing nodes and the log path.
"""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT))

from radar import pipeline  # noqa: E402
from radar.dbt_session import MARKER  # noqa: E402

FAKE_DBT = r"""
import json, sys
for command in sys.stdin:
    status = json.loads(command)["args"][0]
    for n in range(1, 9):
        result = "ERROR" if (status == "fail" and n == 6) else "PASS"
        print(f"\x1b[0m12:00:0{n}  {n} of 8 {result} node_{n} ...... [{result} in 0.1s]")
    print("\x1b[0m12:00:09  Done. PASS=%d WARN=0 ERROR=%d SKIP=0 NO-OP=0 TOTAL=8" % ((7, 1) if status == "fail" else (8, 0)))
    print(MARKER, 1 if status == "fail" else 0, flush=True)
"""


def run_fake(tmp_path, status, capsys, monkeypatch):
    """One command ``status`` (ok, fail) of a dbt session whose process is the stand-in."""
    script = tmp_path / "fake_dbt.py"
    script.write_text(f"MARKER = {MARKER!r}\n" + FAKE_DBT, encoding="utf-8")
    monkeypatch.setattr(pipeline, "SESSION_WORKER", script)
    db = tmp_path / "w.duckdb"
    db.touch()
    code = 0
    try:
        with pipeline.dbt_session(db, {}) as dbt:
            dbt.run([status])
    except RuntimeError as error:
        assert str(tmp_path / f"w.duckdb.dbt_{status}.log") in str(error)
        code = 1
    err = "\n".join(line for line in capsys.readouterr().err.splitlines() if not line.startswith("$ dbt "))
    return code, tmp_path / f"w.duckdb.dbt_{status}.log", err


def test_success_prints_progress_and_one_summary_line(tmp_path, capsys, monkeypatch):
    code, log_path, err = run_fake(tmp_path, "ok", capsys, monkeypatch)
    assert code == 0
    lines = err.splitlines()
    assert [line for line in lines if "nodes done" in line] == [
        "  dbt: 2 of 8 nodes done", "  dbt: 4 of 8 nodes done", "  dbt: 6 of 8 nodes done",
        "  dbt: 8 of 8 nodes done"]
    assert "  dbt: Done. PASS=8 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=8" in lines
    assert f"  dbt output: {log_path}" in lines
    assert len(lines) == 6 and "node_3" not in err
    assert log_path.read_text(encoding="utf-8").count(" of 8 PASS ") == 8


def test_failure_names_the_failing_nodes_and_the_log(tmp_path, capsys, monkeypatch):
    code, log_path, err = run_fake(tmp_path, "fail", capsys, monkeypatch)
    assert code == 1
    failed = [line for line in err.splitlines() if line.startswith("  failed: ")]
    assert len(failed) == 1 and "node_6" in failed[0] and "ERROR" in failed[0]
    assert str(log_path) in err and "ERROR=1" in err


def test_dbt_opens_any_warehouse_by_one_name_through_a_hard_link(tmp_path):
    """dbt's profile holds the DuckDB path, and a changed profile makes dbt re-parse the
    whole project: every warehouse is opened as ``radar.duckdb``, a hard link (DuckDB names
    the catalog after the file it opens and follows a symbolic link to its target)."""
    work = tmp_path / "nightly.duckdb.building-1"
    work.write_bytes(b"warehouse")
    env: dict = {}
    with pipeline._stable_duckdb_path(work, env, "dev") as folder:
        assert env["RADAR_DB_PATH"] == "radar.duckdb"
        link = folder / "radar.duckdb"
        assert not link.is_symlink() and link.stat().st_ino == work.stat().st_ino
        assert folder.parent == tmp_path  # beside the work file: the next run's cleanup finds a dead one
        (folder / "radar.duckdb.wal").write_bytes(b"left by a dbt that died")
    assert not folder.exists()
    assert (tmp_path / "nightly.duckdb.building-1.wal").read_bytes() == b"left by a dbt that died"


def test_without_hard_links_dbt_opens_the_warehouse_by_its_own_catalog_name(tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError("hard links not supported")

    monkeypatch.setattr(pipeline.os, "link", refuse)
    work = tmp_path / "nightly.duckdb.building-1"
    work.write_bytes(b"warehouse")
    env: dict = {}
    with pipeline._stable_duckdb_path(work, env, "dev") as folder:
        assert env["RADAR_DB_PATH"] == "nightly.duckdb"
        assert (folder / "nightly.duckdb").resolve() == work.resolve()
    assert not folder.exists()


ECHO_DBT = r"""
import json, os, sys
for line in sys.stdin:
    command = json.loads(line)
    print(os.getpid(), command["cwd"], command["env"]["RADAR_DB_PATH"],
          command["env"].get("RADAR_BACKTEST_AS_OF_DATE"), flush=True)
    print(MARKER, 0, flush=True)
"""


def test_a_kept_dbt_process_runs_each_session_in_its_own_folder_and_environment(tmp_path, monkeypatch):
    """RADAR_DBT_KEEP_PROCESS=1 (make test-fast's workers): the sessions of one Python process
    share one dbt process, and each command brings the folder and environment of its own
    session (warehouse, run vars); without it each session starts and ends its own."""
    script = tmp_path / "echo_dbt.py"
    script.write_text(f"MARKER = {MARKER!r}\n" + ECHO_DBT, encoding="utf-8")
    monkeypatch.setattr(pipeline, "SESSION_WORKER", script)
    monkeypatch.setattr(pipeline, "_KEPT", {})

    def session(name: str, as_of: str) -> list[str]:
        db = tmp_path / f"{name}.duckdb"
        db.touch()
        with pipeline.dbt_session(db, {"backtest_as_of_date": as_of}) as dbt:
            dbt.run(["echo"])
        return (tmp_path / f"{name}.duckdb.dbt_echo.log").read_text(encoding="utf-8").split()

    monkeypatch.setenv("RADAR_DBT_KEEP_PROCESS", "1")
    first, second = session("a", "2024-03-31"), session("b", "2024-04-30")
    assert first[0] == second[0]  # one process
    assert first[1:] == [str(tmp_path / "a.duckdb.dbt"), "radar.duckdb", "2024-03-31"]
    assert second[1:] == [str(tmp_path / "b.duckdb.dbt"), "radar.duckdb", "2024-04-30"]
    (kept,) = pipeline._KEPT.values()
    pipeline._end_kept_sessions()
    assert kept.wait(timeout=10) == 0 and not pipeline._KEPT

    monkeypatch.setenv("RADAR_DBT_KEEP_PROCESS", "0")
    third, fourth = session("c", "2024-05-31"), session("d", "2024-06-30")
    assert len({first[0], third[0], fourth[0]}) == 3 and not pipeline._KEPT
