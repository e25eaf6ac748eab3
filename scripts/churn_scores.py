#!/usr/bin/env python
"""The pipeline's churn scoring step alone: score as of the warehouse's as_of_date into schema scores.

Run after `dbt build` (selector nightly); then `dbt build --selector churn_marts`
builds the churn marts (what `make run` does; radar/pipeline.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.churn import write_scores  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built DuckDB warehouse (written to)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = write_scores(args.db)
    print(f"{len(result.scores)} members scored ({result.method}) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
