"""Plausibility gate on time: no landing timestamp from the future or from before the platform.

One typo (``9999-12-31``, ``2204-06-15``) would otherwise become the latest
order, so ``as_of_date`` would default to it and every mart would be computed
as of that day. The loader (never a model) reads the wall clock once per run;
a timestamp later than that plus a tolerance is quarantined as
``future_timestamp``, one before the platform start as ``before_platform_start``.

Settings (flag of ``scripts/radar_run.py``, else environment variable, else default):
``--future-tolerance-days`` / ``RADAR_FUTURE_TOLERANCE_DAYS`` (default 1) and
``--platform-start`` / ``RADAR_PLATFORM_START`` (default 2000-01-01; a date
means 00:00 UTC of that day, a timestamp needs an offset).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pandas as pd

DEFAULT_TOLERANCE_DAYS = 1.0
DEFAULT_PLATFORM_START = "2000-01-01"


def _parse_start(text: str) -> pd.Timestamp:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return pd.Timestamp(text, tz="UTC")
    try:
        value = pd.Timestamp(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError(f"platform start {text!r} is not a date (YYYY-MM-DD) or a timestamp with an offset")
    return value.tz_convert("UTC")


@dataclass(frozen=True)
class TimeGate:
    now: pd.Timestamp  # UTC wall clock of the load
    tolerance: pd.Timedelta
    platform_start: pd.Timestamp  # UTC

    @classmethod
    def from_settings(cls, tolerance_days: float | None = None, platform_start: str | None = None,
                      now: pd.Timestamp | None = None) -> TimeGate:
        if tolerance_days is None:
            raw = os.environ.get("RADAR_FUTURE_TOLERANCE_DAYS", "")
            try:
                tolerance_days = float(raw) if raw.strip() else DEFAULT_TOLERANCE_DAYS
            except ValueError:
                raise ValueError(f"RADAR_FUTURE_TOLERANCE_DAYS={raw!r} is not a number of days") from None
        if not tolerance_days >= 0:
            raise ValueError(f"the future tolerance must be 0 days or more, not {tolerance_days}")
        start = platform_start or os.environ.get("RADAR_PLATFORM_START") or DEFAULT_PLATFORM_START
        return cls(
            now=(now or pd.Timestamp.now(tz="UTC")).tz_convert("UTC"),
            tolerance=pd.Timedelta(days=tolerance_days),
            platform_start=_parse_start(start),
        )

    @property
    def latest(self) -> pd.Timestamp:
        return self.now + self.tolerance

    def reasons(self, parsed: pd.Series) -> pd.Series:
        """Reason code per parsed UTC timestamp, None where it is plausible or missing."""
        out = pd.Series(None, index=parsed.index, dtype=object)
        out[parsed > self.latest] = "future_timestamp"
        out[parsed < self.platform_start] = "before_platform_start"
        return out
