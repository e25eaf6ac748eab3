#!/usr/bin/env python
"""Fail when a Python function is longer than --max lines (issue 15: code a newcomer can hold).

Usage: check_function_length.py [--max 60] PATH [PATH ...]

Every ``def`` / ``async def`` counts, nested functions and methods included (a nested
function counts towards its parent as well as on its own). A function's length runs from
its ``def`` line to the last line of its body; decorators are not counted. Directories are
searched for ``*.py`` files. Exit 0 when every function fits, 1 with one line per offender
(``file:line name length``, longest first), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def python_files(paths: list[Path]) -> Iterator[Path]:
    """The given files, and every *.py file under the given directories, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if p.is_file())
        else:
            yield path


def function_lengths(source: str, filename: str = "<source>") -> Iterator[tuple[int, str, int]]:
    """(line, qualified name, length) of every function in ``source``, nested ones included."""

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[int, str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FunctionNode):
                name = prefix + child.name
                yield child.lineno, name, child.end_lineno - child.lineno + 1
                yield from visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, prefix + child.name + ".")
            else:
                yield from visit(child, prefix)

    yield from visit(ast.parse(source, filename=filename), "")


def too_long(paths: list[Path], limit: int) -> list[tuple[str, int, str, int]]:
    """Every function longer than ``limit`` lines: (file, line, name, length), longest first."""
    found = []
    for path in python_files(paths):
        for line, name, length in function_lengths(path.read_text(encoding="utf-8"), str(path)):
            if length > limit:
                found.append((str(path), line, name, length))
    return sorted(found, key=lambda f: (-f[3], f[0], f[1]))


def main(argv: list[str] | None = None) -> int:
    """Check the paths; print the offenders and return 1 if there are any."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="+", type=Path, help="Python files or directories")
    p.add_argument("--max", type=int, default=60, dest="limit",
                   help="longest allowed function in lines (default 60)")
    a = p.parse_args(argv)
    missing = [str(x) for x in a.paths if not x.exists()]
    if missing:
        p.error(f"no such file or directory: {', '.join(missing)}")
    offenders = too_long(a.paths, a.limit)
    if not offenders:
        return 0
    print(f"{len(offenders)} function(s) longer than {a.limit} lines (def line to end of body; "
          "split them into smaller functions):", file=sys.stderr)
    for path, line, name, length in offenders:
        print(f"  {path}:{line} {name} {length} lines", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
