#!/usr/bin/env python
"""Fail when a macro that writes model SQL is not linted (issue 15: macros linted like models).

sqlfluff skips macro files and, by default, the SQL a macro renders into a model. A model
that starts with ``-- sqlfluff:ignore_templated_areas:False`` has the rendered SQL of its
macros linted too. Every macro of the folders below (the ones that hold model SQL) must be
called by at least one such model, or by a macro that such a model calls (its SQL is rendered
into the same model). Exit 0 when each is, 1 with one line per unlinted macro.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_SQL_MACROS = ("macros/members", "macros/groups", "macros/tasks")
DIRECTIVE = "-- sqlfluff:ignore_templated_areas:False"


def main() -> int:
    linted = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "models").rglob("*.sql")
                       if DIRECTIVE in p.read_text(encoding="utf-8"))
    macros = {}  # name -> (path, body)
    for folder in MODEL_SQL_MACROS:
        for path in sorted((ROOT / folder).glob("*.sql")):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"{%-?\s*macro\s+(\w+)\s*\((.*?){%-?\s*endmacro", text, re.S):
                macros[match.group(1)] = (path, match.group(2))
    # a macro called by a linted model is linted, and so is one that a linted macro calls
    # (its SQL is rendered into the same model)
    covered: set[str] = set()
    frontier = linted
    while True:
        found = {name for name in macros if name not in covered and re.search(rf"\b{name}\s*\(", frontier)}
        if not found:
            break
        covered |= found
        frontier = "\n".join(macros[name][1] for name in found)
    missing = [f"{macros[name][0].relative_to(ROOT)}: macro {name} is called by no model with "
               f"'{DIRECTIVE}', nor by a macro such a model calls (add the directive to one model "
               "that calls it)" for name in sorted(set(macros) - covered)]
    print("\n".join(missing) or "every model-SQL macro is linted")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
