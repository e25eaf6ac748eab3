#!/usr/bin/env python
"""Print the group digest (tenure curve, grades, weakest groups) of a built warehouse. See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.digest import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
