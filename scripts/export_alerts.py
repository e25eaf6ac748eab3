#!/usr/bin/env python
"""Write each mentor's ranked task list for today as CSV (radar.alerts). See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.alerts import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
