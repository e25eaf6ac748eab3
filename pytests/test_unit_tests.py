"""The dbt unit tests (hand-computed rows on every threshold's boundary, SPEC §5, §5.7).

A production build leaves them out (selectors.yml: they test the models' logic
on mocked rows, not the night's data), so they run here, once, against a
warehouse built by `make run` (a unit test reads the column types of the
relations it mocks). The backtest's unit test runs in `make backtest`
(pytests/test_backtest.py), where its scores input exists.
"""

from __future__ import annotations

import json
import shutil

import duckdb
from conftest import DBT_TARGET

from radar.pipeline import dbt_session, run_dbt


def test_every_dbt_unit_test_passes(handwritten_db, tmp_path):
    """Run as the pipeline runs dbt (radar.pipeline.run_dbt: this worker's target folder and
    partial parse)."""
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(handwritten_db, db)
    try:
        run_dbt(["test", "--selector", "unit_tests"], db, {})
    except RuntimeError as error:
        raise AssertionError(f"{error}\n{db.with_name('radar.duckdb.dbt_test_unit_tests.log').read_text()[-6000:]}") from None
    results = json.loads((DBT_TARGET / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((DBT_TARGET / "manifest.json").read_text(encoding="utf-8"))
    backtest_models = {node["name"] for node in manifest["nodes"].values() if "backtest" in node.get("tags", [])}
    expected = {uid for uid, unit in manifest["unit_tests"].items() if unit["model"] not in backtest_models}
    ran = {r["unique_id"] for r in results}
    assert ran == expected, f"not run: {sorted(expected - ran)}; unexpected: {sorted(ran - expected)}"
    assert len(ran) >= 39
    assert all(r["status"] == "pass" for r in results)


def test_a_production_build_leaves_the_unit_tests_out(tmp_path):
    """`dbt build` (default selector nightly) and the churn marts' build list no unit test
    (`dbt ls`, which lists them under selector unit_tests)."""
    db = tmp_path / "radar.duckdb"
    duckdb.connect(str(db)).close()
    listed = {}
    with dbt_session(db, {}) as dbt:
        for selector in ("unit_tests", "nightly", "churn_marts"):
            dbt.run(["ls", "--selector", selector, "--quiet", "--resource-type", "unit_test", "--output", "name"])
            listed[selector] = db.with_name(f"radar.duckdb.dbt_ls_{selector}.log").read_text(encoding="utf-8").split()
    assert len(listed["unit_tests"]) >= 39, listed["unit_tests"]
    assert listed["nightly"] == [] and listed["churn_marts"] == [], listed
