#!/usr/bin/env python
"""Benchmark the warehouse: `make bench SIZE=S|M|L`. See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
