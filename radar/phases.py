"""Seconds spent per phase of the load, for profiling (``RADAR_LOAD_TIMINGS=1``).

The loader and the validator wrap their phases in :func:`timed`; with the
environment variable set, the run prints one line per phase at the end of the
load (stderr), e.g. to see whether reading, typing, GX or DuckDB dominates.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from contextlib import contextmanager

SECONDS: Counter = Counter()


def enabled() -> bool:
    return os.environ.get("RADAR_LOAD_TIMINGS", "") not in ("", "0")


@contextmanager
def timed(phase: str):
    started = time.monotonic()
    try:
        yield
    finally:
        SECONDS[phase] += time.monotonic() - started


def report() -> str:
    total = sum(SECONDS.values())
    lines = [f"  load phases (s, total {total:.1f}):"]
    lines += [f"    {phase:<28} {seconds:7.1f}" for phase, seconds in SECONDS.most_common()]
    return "\n".join(lines)
