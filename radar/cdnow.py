"""The CDNOW transactions (Fader & Hardie) as a Retention Radar landing folder.

The data ship inside the ``lifetimes`` 0.11.3 wheel on PyPI; the wheel is
downloaded with ``pip download --no-deps`` (never installed) into a cache
folder and the file read out of it (a wheel is a zip).

Mapping (documented in README "Churn risk" → "Real data: CDNOW"):

- one member per CDNOW customer, ``member_id`` = ``C`` + the 5-digit customer
  id, ``tier`` 199 for everyone (CDNOW has no fee tiers), joined at
  00:00 +08:00 on the day of the first purchase; no referrer, province or PII;
- one mentor (``MT0001``) and one group (``G0001``, created before the first
  purchase) that every member joins when she joins and never leaves — CDNOW
  has no groups, so group and mentor figures are trivial;
- one order per transaction row (``T`` + the 1-based row number), paid, at
  12:00 +08:00 on the transaction date; one order line: sku ``CD``, category
  ``home`` (the categories seed has no music category), quantity = CDs
  bought, line_amount = dollar value read as yuan, nothing refunded. The 80
  rows with a dollar value of 0 are orders with net 0, hence no purchase
  (SPEC §3), as in the source where they carry no spend.
- everything in one batch folder, ``batch_0001``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

WHEEL_NAME = "Lifetimes-0.11.3-py3-none-any.whl"
DEFAULT_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"


def lifetimes_dataset(name: str, cache: Path = DEFAULT_CACHE) -> bytes:
    """A file of lifetimes/datasets/ out of the lifetimes 0.11.3 wheel (downloaded once)."""
    wheel = cache / WHEEL_NAME
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--disable-pip-version-check", "lifetimes==0.11.3", "-d", str(cache)], check=True)
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"lifetimes/datasets/{name}")


def read_master(cache: Path = DEFAULT_CACHE) -> pd.DataFrame:
    """CDNOW_master.txt: one row per transaction (customer, date, CDs, dollars)."""
    raw = lifetimes_dataset("CDNOW_master.txt", cache)
    frame = pd.read_csv(io.BytesIO(raw), sep=r"\s+", header=None, skiprows=1,
                        names=["customer", "date", "cds", "dollars"], dtype={"date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def write_landing(out: Path, cache: Path = DEFAULT_CACHE) -> dict:
    """Write the landing folder (one batch); returns counts."""
    master = read_master(cache)
    batch = out / "batch_0001"
    batch.mkdir(parents=True, exist_ok=True)
    master["member_id"] = "C" + master["customer"].astype(str).str.zfill(5)
    first = master.groupby("member_id", sort=True)["date"].min()
    start = (first.min() - pd.Timedelta(days=31)).strftime("%Y-%m-%dT00:00:00+08:00")
    joined = first.dt.strftime("%Y-%m-%dT00:00:00+08:00")
    pd.DataFrame({"mentor_id": ["MT0001"], "mentor_name": ["CDNOW"], "hired_at": [start],
                  "left_at": [""]}).to_csv(batch / "mentors.csv", index=False)
    pd.DataFrame({"group_id": ["G0001"], "group_name": ["CDNOW customers"], "mentor_id": ["MT0001"],
                  "created_at": [start], "closed_at": [""]}).to_csv(batch / "groups.csv", index=False)
    pd.DataFrame({"member_id": first.index, "tier": 199, "joined_at": joined.to_numpy(),
                  "referrer_member_id": "", "province": ""}).to_csv(batch / "members.csv", index=False)
    pd.DataFrame({"member_id": first.index, "group_id": "G0001", "joined_at": joined.to_numpy(),
                  "left_at": ""}).to_csv(batch / "group_memberships.csv", index=False)
    order_id = "T" + pd.Series(range(1, len(master) + 1)).astype(str).str.zfill(6)
    pd.DataFrame({"order_id": order_id, "member_id": master["member_id"],
                  "ordered_at": master["date"].dt.strftime("%Y-%m-%dT12:00:00+08:00"),
                  "status": "paid"}).to_csv(batch / "orders.csv", index=False)
    pd.DataFrame({"order_id": order_id, "line_no": 1, "sku": "CD", "category_code": "home",
                  "quantity": master["cds"], "line_amount": master["dollars"].map("{:.2f}".format),
                  "refunded_amount": "0.00"}).to_csv(batch / "order_items.csv", index=False)
    return {"members": int(len(first)), "orders": int(len(master)),
            "first_date": str(master["date"].min().date()), "last_date": str(master["date"].max().date())}
