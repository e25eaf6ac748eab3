"""Mutation testing of the SQL comparisons: `make mutation` (not part of `make test`).

Every comparison operator in the SQL of models/**/*.sql and macros/**/*.sql
(outside comments, string literals and Jinja tags) is flipped one at a time:
>= → >, > → >=, <= → <, < → <=, = → <>, <> and != → =. Each mutant is
written into a temporary copy of the project (the real tree is never edited)
and the fast test set runs there: the dbt unit tests of the models the file
can change (`dbt test --select test_type:unit,<model>`: the model itself, or
every model that calls a macro of the file, directly or through other macros;
a unit test mocks every ref, so no other unit test can see the mutant), and
with --build also a full build with every data test on the hand-written
fixture. A mutant is *killed* when that
fails and *survives* when everything passes; a surviving mutant is a
comparison no test pins to its boundary.

Results are kept in target/mutation/results.jsonl, keyed by the file's content
hash, so a run can be stopped and resumed, or done in parts (--only, --limit);
the survivors run again on every run (a test added since may kill them).
docs/mutation.md is rewritten from every kept result at the end of each run.

    .venv/bin/python scripts/mutation.py --list
    .venv/bin/python scripts/mutation.py --only models/marts/groups/group_health_monthly.sql
    .venv/bin/python scripts/mutation.py --limit 20
    make mutation [MUTATION_ARGS='--only macros/members']
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "target" / "mutation" / "results.jsonl"
REPORT = ROOT / "docs" / "mutation.md"
FIXTURE = ROOT / "pytests" / "fixtures" / "handwritten"
FLIPS = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "=": "<>", "<>": "=", "!=": "="}
COPY_IGNORE = shutil.ignore_patterns(".venv", ".venv-spark", ".git", "target", "logs", "data", "warehouse",
                                     "exports", "screenshots", "__pycache__", ".pytest_cache", "*.duckdb*",
                                     "dbt_packages", ".pg", "metastore_db", "spark-warehouse")


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the project root
    offset: int
    line: int
    column: int
    original: str
    replacement: str
    file_hash: str

    @property
    def key(self) -> str:
        return f"{self.path}:{self.offset}:{self.original}:{self.file_hash}"


def comparison_operators(sql: str) -> list[tuple[int, str]]:
    """(offset, operator) of every SQL comparison outside comments, strings and Jinja tags."""
    found: list[tuple[int, str]] = []
    i, n = 0, len(sql)
    closers = {"{#": "#}", "{%": "%}", "{{": "}}", "/*": "*/"}
    while i < n:
        two = sql[i:i + 2]
        if two in closers:
            end = sql.find(closers[two], i + 2)
            i = n if end < 0 else end + 2
        elif two == "--":
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql[i] in "'\"":
            end = sql.find(sql[i], i + 1)
            i = n if end < 0 else end + 1
        elif two == "->":  # a lambda's arrow (Spark's transform), not a comparison
            i += 2
        elif two in ("<>", "!=", "<=", ">="):
            found.append((i, two))
            i += 2
        elif sql[i] in "<>=":
            found.append((i, sql[i]))
            i += 1
        else:
            i += 1
    return found


def mutants_of(path: Path) -> list[Mutant]:
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    out = []
    for offset, op in comparison_operators(text):
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        out.append(Mutant(str(path.relative_to(ROOT)), offset, line, column, op, FLIPS[op], digest))
    return out


def all_mutants(only: list[str]) -> list[Mutant]:
    files = sorted([*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql")])
    if only:
        wanted = [(ROOT / o).resolve() for o in only]
        files = [f for f in files if any(f == w or w in f.parents for w in wanted)]
    return [m for f in files for m in mutants_of(f)]


def load_results() -> dict[str, dict]:
    if not RESULTS.exists():
        return {}
    rows = [json.loads(line) for line in RESULTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["key"]: row for row in rows}


def run(args: list[str], env: dict, cwd: Path, timeout: int) -> tuple[bool, str]:
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timeout"
    return done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def failed_nodes(output: str) -> list[str]:
    """Names of the failing tests from dbt's summary lines (`Failure in unit_test x`)."""
    names = []
    for line in output.splitlines():
        for marker in ("Failure in unit_test ", "Failure in test ", "Error in unit_test ", "Error in test ",
                       "Compilation Error in ", "Runtime Error in "):
            if marker in line:
                names.append(line.split(marker, 1)[1].split(" (")[0].strip())
    return sorted(set(names))


class Sandbox:
    """A temporary copy of the project with a warehouse built on the hand-written fixture."""

    def __init__(self, keep: bool, build: bool) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="radar-mutation-"))
        self.keep = keep
        self.build = build
        self.project = self.dir / "project"
        shutil.copytree(ROOT, self.project, ignore=COPY_IGNORE, symlinks=True)
        (self.project / ".venv").symlink_to((ROOT / ".venv").resolve())
        self.dbt = str(ROOT / ".venv" / "bin" / "dbt")
        self.base_db = self.dir / "base.duckdb"
        self.db = self.dir / "radar.duckdb"
        self.env = dict(os.environ, DBT_PROFILES_DIR=str(self.project / "profiles"),
                        DBT_SEND_ANONYMOUS_USAGE_STATS="false", RADAR_DB_PATH=str(self.db),
                        RADAR_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                        # the fixture's PII is made up; a throwaway key of this sandbox hashes it
                        RADAR_PII_KEY=f"mutation-sandbox-{secrets.token_hex(16)}")
        self.env.pop("RADAR_PII_KEY_FILE", None)

    def prepare(self) -> None:
        print(f"sandbox {self.project}: building the hand-written fixture warehouse (about a minute)...",
              flush=True)
        ok, out = run([str(ROOT / ".venv" / "bin" / "python"), "scripts/radar_run.py", "--landing", str(FIXTURE),
                       "--db", str(self.base_db), "--reload"], self.env, self.project, 1800)
        if not ok:
            raise SystemExit(f"the unmutated project does not build on the fixture:\n{out}")
        # the backtest's models and its scores input (an empty table: the unit tests mock its
        # rows, dbt reads its columns), which exist only during `make backtest` otherwise
        ok, out = run([str(ROOT / ".venv" / "bin" / "python"), "scripts/backtest.py", "--db", str(self.base_db)],
                      self.env, self.project, 1800)
        if not ok:
            raise SystemExit(f"the unmutated project's backtest does not run on the fixture:\n{out}")
        sys.path.insert(0, str(ROOT))
        import duckdb

        from radar.backtest import write_scores

        with duckdb.connect(str(self.base_db)) as con:
            write_scores(con, [], scorer=None)
        shutil.copyfile(self.base_db, self.db)
        ok, out = self.tests()
        if not ok:
            raise SystemExit(f"the unmutated project fails its own fast tests:\n{out}")

    def affected_models(self, path: str) -> list[str]:
        """Models whose SQL the file can change: itself, or the callers of its macros (transitively)."""
        manifest = json.loads((self.project / "target" / "manifest.json").read_text(encoding="utf-8"))
        if path.startswith("models/"):
            return [n["name"] for n in manifest["nodes"].values()
                    if n["resource_type"] == "model" and n["original_file_path"] == path]
        macros = {uid for uid, m in manifest["macros"].items() if m["original_file_path"] == path}
        callers = {uid: set(m["depends_on"]["macros"]) for uid, m in manifest["macros"].items()}
        grew = True
        while grew:
            more = {uid for uid, deps in callers.items() if deps & macros} - macros
            macros |= more
            grew = bool(more)
        return sorted(n["name"] for n in manifest["nodes"].values()
                      if n["resource_type"] == "model" and set(n["depends_on"]["macros"]) & macros)

    def unit_tested(self, models: list[str]) -> list[str]:
        manifest = json.loads((self.project / "target" / "manifest.json").read_text(encoding="utf-8"))
        tested = {u["model"] for u in manifest.get("unit_tests", {}).values()}
        return [m for m in models if m in tested]

    def unit_tests(self, select: list[str]) -> tuple[bool, str]:
        """`dbt test --select ...` in this process (dbtRunner): no interpreter start-up per mutant."""
        from dbt.cli.main import dbtRunner

        os.environ.update(self.env)
        done = dbtRunner().invoke(["test", "--select", *select, "--project-dir", str(self.project),
                                  "--log-level", "none"])
        if done.exception is not None:
            return False, f"Runtime Error in dbt: {str(done.exception).splitlines()[0]}"
        failed = [f"Failure in unit_test {r.node.name} (" for r in (done.result or [])
                  if str(r.status) not in ("pass", "success")]
        return bool(done.success) and not failed, "\n".join(failed)

    def tests(self, models: list[str] | None = None) -> tuple[bool, str]:
        select = ["test_type:unit"] if models is None else [f"test_type:unit,{m}" for m in models]
        # no unit test covers the file (only with --build): the build below is the test
        ok, out = self.unit_tests(select) if select else (True, "")
        if ok and self.build:
            shutil.copyfile(self.base_db, self.db)
            # the default selector (no unit tests, no backtest, no churn marts: their inputs come
            # from the Python steps); an --exclude alone would drop the default selector
            ok, more = run([self.dbt, "build", "--full-refresh", "--selector", "nightly"],
                           self.env, self.project, 1800)
            out += more
        return ok, out

    def try_mutant(self, mutant: Mutant) -> tuple[bool, str]:
        models = self.unit_tested(self.affected_models(mutant.path))
        self.last_models = models
        if not models and not self.build:
            return True, "no unit test covers this file"
        target = self.project / mutant.path
        original = target.read_text(encoding="utf-8")
        end = mutant.offset + len(mutant.original)
        assert original[mutant.offset:end] == mutant.original, mutant
        target.write_text(original[:mutant.offset] + mutant.replacement + original[end:], encoding="utf-8")
        try:
            return self.tests(models)
        finally:
            target.write_text(original, encoding="utf-8")

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def source_line(mutant: Mutant) -> str:
    lines = (ROOT / mutant.path).read_text(encoding="utf-8").splitlines()
    return lines[mutant.line - 1].strip() if mutant.line <= len(lines) else ""


def write_report(mutants: list[Mutant], results: dict[str, dict]) -> None:
    """docs/mutation.md from every kept result for the current content of each file."""
    current = {m.key: m for m in all_mutants([])}
    done = [(current[k], r) for k, r in results.items() if k in current]
    survivors = sorted((m for m, r in done if r["status"] == "survived"), key=lambda m: (m.path, m.offset))
    files = sorted({m.path for m in current.values()})
    lines = [
        "# Mutation testing of the SQL comparisons",
        "",
        "Written by `make mutation` (scripts/mutation.py); not part of `make test`.",
        "Each comparison operator in the SQL of `models/` and `macros/` (outside comments, strings and",
        "Jinja tags) is flipped one at a time (`>=`→`>`, `>`→`>=`, `<=`→`<`, `<`→`<=`, `=`→`<>`,",
        "`<>`/`!=`→`=`) in a temporary copy of the project, and the dbt unit tests run on it. A mutant",
        "that still passes *survives*: no test pins that comparison. Only results for the current",
        "content of each file are listed; a file changed since its run shows as not run.",
        "",
        f"Mutants in the project: {len(current)}; run: {len(done)}; "
        f"killed: {sum(r['status'] == 'killed' for _, r in done)}; survived: {len(survivors)}.",
        "",
        "## Per file",
        "",
        "| file | mutants | run | killed | survived |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for path in files:
        of_file = [m for m in current.values() if m.path == path]
        run_here = [(m, r) for m, r in done if m.path == path]
        lines.append(f"| `{path}` | {len(of_file)} | {len(run_here)} | "
                     f"{sum(r['status'] == 'killed' for _, r in run_here)} | "
                     f"{sum(r['status'] == 'survived' for _, r in run_here)} |")
    lines += ["", "## Surviving mutants", ""]
    if survivors:
        lines += ["| file:line | mutation | line |", "| --- | --- | --- |"]
        for m in survivors:
            text = source_line(m).replace("|", "\\|")
            lines.append(f"| `{m.path}:{m.line}` | `{m.original}` → `{m.replacement}` | `{text}` |")
    else:
        lines.append("None among the mutants run.")
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="a file or folder (repeatable)")
    parser.add_argument("--limit", type=int, help="run at most N mutants not run yet")
    parser.add_argument("--rerun", action="store_true", help="run again mutants that have a kept result")
    parser.add_argument("--build", action="store_true", help="also build the fixture warehouse with data tests")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean the sandbox up on kill

    mutants = all_mutants(args.only)
    results = load_results()
    if args.list:
        for m in mutants:
            state = results.get(m.key, {}).get("status", "not run")
            print(f"{m.path}:{m.line}:{m.column}  {m.original} -> {m.replacement}  [{state}]  {source_line(m)}")
        print(f"{len(mutants)} mutants")
        return 0
    todo = [m for m in mutants if args.rerun or m.key not in results
            # a survivor runs again every time: a test added since may kill it (results are
            # keyed by the SQL file's content, not by the tests')
            or results[m.key]["status"] == "survived"]
    if args.limit is not None:
        todo = todo[:args.limit]
    print(f"{len(mutants)} mutants selected, {len(todo)} to run", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if todo:
        sandbox = Sandbox(keep=args.keep, build=args.build)
        try:
            sandbox.prepare()
            started = time.monotonic()
            for i, m in enumerate(todo, 1):
                t0 = time.monotonic()
                ok, out = sandbox.try_mutant(m)
                status = "survived" if ok else "killed"
                row = {"key": m.key, "path": m.path, "line": m.line, "column": m.column, "original": m.original,
                       "replacement": m.replacement, "status": status,
                       "killed_by": [] if ok else (failed_nodes(out) or [out.strip().splitlines()[-1:][0]
                                                                          if out.strip() else "error"]),
                       "unit_tests_of": sandbox.last_models, "seconds": round(time.monotonic() - t0, 1)}
                results[m.key] = row
                with RESULTS.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                eta = (time.monotonic() - started) / i * (len(todo) - i)
                mark = "SURVIVED" if ok else "killed  "
                print(f"[{i}/{len(todo)}] {mark} {m.path}:{m.line}  {m.original} -> {m.replacement}"
                      f"  ({row['seconds']} s, ~{eta / 60:.0f} min left)  {source_line(m)[:70]}", flush=True)
        finally:
            sandbox.close()
    write_report(mutants, results)
    selected = [results[m.key] for m in mutants if m.key in results]
    survivors = [r for r in selected if r["status"] == "survived"]
    print(f"\nselected mutants run: {len(selected)} of {len(mutants)}; survived: {len(survivors)}")
    for r in survivors:
        print(f"  survived  {r['path']}:{r['line']}  {r['original']} -> {r['replacement']}")
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
