#!/usr/bin/env python
"""Write the CDNOW transactions as a landing folder (mapping: radar/cdnow.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.cdnow import DEFAULT_CACHE, write_landing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data/cdnow_landing"), help="landing folder to write")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where the lifetimes 0.11.3 wheel is downloaded to (pip download --no-deps)")
    args = parser.parse_args(argv)
    print(json.dumps(write_landing(args.out, args.cache)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
