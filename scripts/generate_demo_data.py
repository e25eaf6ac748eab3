#!/usr/bin/env python
"""Generate a deterministic Retention Radar demo landing directory. See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.generate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
