"""The dbt unit tests (hand-computed rows on every threshold's boundary, SPEC §5, §5.7).

A production build leaves them out (selectors.yml: they test the models' logic
on mocked rows, not the night's data), so they run here, once, against a
warehouse built by `make run` (a unit test reads the column types of the
relations it mocks). The backtest's unit test runs in `make backtest`
(pytests/test_backtest.py), where its scores input exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from conftest import ROOT


def test_every_dbt_unit_test_passes(handwritten_db, tmp_path):
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(handwritten_db, db)
    target = tmp_path / "target"
    args = [str(ROOT / ".venv" / "bin" / "dbt"), "test", "--selector", "unit_tests",
            "--target-path", str(target)]
    env = dict(os.environ, RADAR_DB_PATH=str(db), DBT_PROFILES_DIR=str(ROOT / "profiles"))
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    backtest_models = {node["name"] for node in manifest["nodes"].values() if "backtest" in node.get("tags", [])}
    expected = {uid for uid, unit in manifest["unit_tests"].items() if unit["model"] not in backtest_models}
    ran = {r["unique_id"] for r in results}
    assert ran == expected, f"not run: {sorted(expected - ran)}; unexpected: {sorted(ran - expected)}"
    assert len(ran) >= 39
    assert all(r["status"] == "pass" for r in results)


def test_a_production_build_leaves_the_unit_tests_out():
    """`dbt build` (default selector nightly) and the churn marts' build list no unit test."""
    env = dict(os.environ, RADAR_DB_PATH=str(ROOT / "target" / "ls.duckdb"), DBT_PROFILES_DIR=str(ROOT / "profiles"))
    for selector in ("nightly", "churn_marts"):
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "dbt"), "ls", "--selector", selector, "--quiet",
                               "--resource-type", "unit_test", "--target-path", str(ROOT / "target" / "ls")],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert done.stdout.strip() == "", (selector, done.stdout[:500])
