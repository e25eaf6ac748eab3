"""The session fails when any test is skipped (pytests/conftest.py), and no test file skips."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT


def run_pytest(tmp_path, body: str, *options: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"), *options,
         str(tmp_path / "test_sample.py")],
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT / "pytests"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True)


# as `make test` runs them: on two pytest-xdist workers (the verdict is the controller's)
@pytest.mark.parametrize("options", [(), ("-n", "2", "--dist", "loadfile")], ids=["one process", "xdist"])
def test_a_skipped_test_fails_the_session(tmp_path, options):
    done = run_pytest(tmp_path, "import pytest\n\ndef test_skips():\n    pytest.skip('why')\n\n"
                                "def test_passes():\n    pass\n", *options)
    assert done.returncode == 1, done.stdout
    assert "1 test(s) skipped" in done.stdout


def test_a_session_without_skips_passes(tmp_path):
    done = run_pytest(tmp_path, "def test_passes():\n    pass\n")
    assert done.returncode == 0, done.stdout


def test_no_test_file_skips_or_switches_tests_off():
    pattern = re.compile(r"importorskip|pytest\.skip|mark\.skip|RADAR_SKIP|mark\.xfail")
    offenders = [f"{path.name}:{n}" for path in sorted((ROOT / "pytests").glob("*.py"))
                 if path.name != "test_no_skips.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_make_test_runs_the_full_scenarios_whatever_the_shell_exports():
    """RADAR_TEST_FAST (make test-fast: scenario builds without data tests, conftest.FAST) is
    cleared by `make test`, the CI command, even when a developer's shell exports it."""
    done = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "RADAR_TEST_FAST": "1"})
    pytest_lines = [line for line in done.stdout.splitlines() if " -m pytest" in line]
    assert pytest_lines and all(line.startswith("RADAR_TEST_FAST= ") for line in pytest_lines), done.stdout
    fast = subprocess.run(["make", "-n", "test-fast"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"})
    assert [line for line in fast.stdout.splitlines() if " -m pytest" in line][0].startswith("RADAR_TEST_FAST=1 ")
