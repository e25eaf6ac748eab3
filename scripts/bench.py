#!/usr/bin/env python
"""Benchmark the warehouse: `make bench SIZE=S|M|L`. See --help."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The bench's dbt runs keep their own target and log folders (manifest, partial parse,
# run_results.json it reads the model times from, dbt.log): a test run or a `make run`
# beside a long bench neither reads nor overwrites them.
os.environ.setdefault("DBT_TARGET_PATH", str(ROOT / "target" / "bench"))
os.environ.setdefault("DBT_LOG_PATH", str(ROOT / "logs" / "bench"))

from radar.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
