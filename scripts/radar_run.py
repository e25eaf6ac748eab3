#!/usr/bin/env python
"""Validate → load → dbt build on a landing directory. See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.pipeline import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
