#!/usr/bin/env python
"""The warning-quality backtest (marts.alert_backtest, SPEC §7.3). See --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.backtest import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
