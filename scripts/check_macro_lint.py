#!/usr/bin/env python
"""Fail when a macro that writes model SQL is not linted (issue 15: macros linted like models).

sqlfluff skips macro files and, by default, the SQL a macro renders into a model. A model
that starts with ``-- sqlfluff:ignore_templated_areas:False`` has the rendered SQL of its
macros linted too. Every macro of the folders below (the ones that hold model SQL) must be
called by at least one such model. Exit 0 when each is, 1 with one line per unlinted macro.
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
    missing = []
    for folder in MODEL_SQL_MACROS:
        for path in sorted((ROOT / folder).glob("*.sql")):
            for name in re.findall(r"{%-?\s*macro\s+(\w+)\s*\(", path.read_text(encoding="utf-8")):
                if not re.search(rf"\b{name}\s*\(", linted):
                    missing.append(f"{path.relative_to(ROOT)}: macro {name} is called by no model with "
                                   f"'{DIRECTIVE}' (add the directive to one model that calls it)")
    print("\n".join(missing) or "every model-SQL macro is linted")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
