"""Synthetic landing data for Retention Radar (SPEC §1), calibrated to the thesis.

The generator writes a landing directory that the loader reads as-is::

    OUT/batch_0001/{mentors,groups,members,group_memberships,orders,order_items}.csv
    OUT/batch_0002/...              final day's orders, late refunds, last-week handover
    OUT/batch_0003_bad_rows/...     only with --bad-rows: valid rows + one bad row per reason
    OUT/manifest.json               arguments, per-batch row counts, bad rows, expectations

The simulated world
-------------------
* Business time zone Asia/Shanghai (UTC+8, no DST). History runs from
  ``end_date - months`` (+1 day) to ``end_date``; all instants are int64 Unix seconds.
* Members join with steadily growing volume (join density ∝ exp(g·t) over the
  history), tier 399 with probability 0.6 (thesis 3.2: the higher fee is the more
  common among active members), ~25 % referred by an earlier member.
* Mentors run 5–8 groups of 100–400 members (~1,000 members each, thesis 3.2.3).
  Members fill groups in join order with some interleaving between neighbouring
  groups; group membership starts on the join day, minutes after the fee.
  ~3 %/year of members leave their group for good, ~2 %/year move to another
  group mid-month (touching, never overlapping intervals).
* Mentors leave (~8 %/year after their groups are full, plus two scheduled
  departures: closed on ``end_date - 30`` so the 30-day handover window ends on
  the end date, and ``end_date - 3`` so the handover lands in batch_0002). A
  departure closes all her groups; ~80 % of the open memberships are re-homed
  into one other mentor's groups within 30 days (a share the same day), the rest
  are lost (thesis 3.3.4: ~20 % lost at handover).
* Purchases. Each member has 30-day tenure windows k = 1, 2, ... (SPEC §3). A
  latent Gaussian AR(1) score per member (rho = 0.75) gives persistence: active
  members tend to stay active. The score is shifted by a mentor + group effect,
  so groups differ in health. Within every cell (tier, tenure bucket, window
  complete?) of a member chunk exactly ``round(baseline × windows)`` windows are
  active, picking the lowest scores: this is the calibration, the measured
  ``tenure_activity`` rate equals the SPEC §4 baseline up to rounding (no
  sampling noise), while persistence and group effects stay realistic. The
  manifest's ``expected_tenure_activity`` is recomputed from the final orders
  (after late refunds) and is exact. Purchasing does not depend on group
  membership (members who leave or are lost at a handover keep their rates).
* An active window holds 1–4 purchases (mean 1.8); in window 1 they come early
  (new members are keen), later uniformly over the 30 days. The window total is
  drawn from the thesis monthly spend bands (≥1000 yuan 11 %, 500–1000 36 %,
  100–500 45 %, <100 8 %), read per 30-day window and met exactly by rank quota
  on a member-level spend propensity (big spenders stay big; healthier groups
  spend more). Per calendar month the shares spread out (reported in the
  manifest stats). Cancelled orders (~4 % of orders) and fully refunded
  orders are added on top of the purchases, never instead of them; partial line
  refunds (~3 %) never bring a purchase to net 0 (line 1 of a purchase is never
  refunded in full), so the calibration survives refunds.
* 1–4 lines per order, categories drawn from a per-group mix around the thesis
  shares (mother_baby 20 %, skincare+cosmetics 18 %, nutrition_health 17 %).
* Order times: 60 % in the 19:30–24:00 evening peak (thesis 3.2.1), ~2 % just
  after midnight, the rest over the day; ~10 % are written in UTC with ``Z``.

Batches: batch_0001 holds everything but the orders (and lines) of the end
date, which come in batch_0002 together with ~1 % of earlier order lines re-sent
with a higher refunded_amount (late refunds, upserted by (order_id, line_no))
and, for a departure in the last week, the mentor/groups/memberships re-sent
with left_at/closed_at plus the re-homing memberships (closing updates first).

Determinism: ``numpy.random.Generator(PCG64)`` streams derived from --seed (one
per planning step and per member chunk); same arguments give byte-identical
files. Memory stays flat (~300–400 MB at any size): member-level plans are small
arrays; orders and lines are generated, written and dropped one member chunk
at a time (at most --chunk-size members and about WINDOW_BUDGET tenure windows,
since early members have many windows), and formatted in slices of WRITE_BATCH rows.

A property of the SPEC metrics worth knowing when reading the demo: a group's
calendar-month activity is compared with the baseline of each roster member's
tenure bucket *at month end*, so members who joined during the month (partial
month) pull a group below its expectation in its first two months; mature
groups sit around +1.5 pp (a calendar month overlaps two windows).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

# --------------------------------------------------------------------------- constants

OFFSET_S = 8 * 3600  # Asia/Shanghai, UTC+8, no DST
DAY_S = 86400
NULL = np.int64(-1)  # "no timestamp" sentinel for int64 instant arrays
YEAR_S = 365.25 * DAY_S

FILE_ORDER = ("mentors", "groups", "members", "group_memberships", "orders", "order_items")
COLUMNS: dict[str, tuple[str, ...]] = {
    "mentors": ("mentor_id", "mentor_name", "hired_at", "left_at"),
    "groups": ("group_id", "group_name", "mentor_id", "created_at", "closed_at"),
    "members": ("member_id", "tier", "joined_at", "referrer_member_id", "province", "phone", "nickname"),
    "group_memberships": ("member_id", "group_id", "joined_at", "left_at"),
    "orders": ("order_id", "member_id", "ordered_at", "status"),
    "order_items": ("order_id", "line_no", "sku", "category_code", "quantity", "line_amount", "refunded_amount"),
}
BATCH1, BATCH2, BATCH_BAD = "batch_0001", "batch_0002", "batch_0003_bad_rows"

REASON_CODES = (
    "missing_required", "invalid_number", "invalid_timestamp", "timestamp_without_offset",
    "invalid_tier", "invalid_status", "unknown_category", "out_of_range", "end_before_start",
    "duplicate_key", "membership_overlap", "unknown_member", "unknown_order", "unknown_group",
    "unknown_mentor", "parent_quarantined", "future_timestamp", "before_platform_start",
)

#: SPEC §4 categories with target sales shares (thesis 3.2.1: 母婴 20 %, 护肤美妆 18 %, 保健 17 %).
CATEGORIES: tuple[str, ...] = (
    "food_fresh", "nutrition_health", "skincare", "mother_baby",
    "apparel_bags", "cosmetics", "home", "personal_care",
)
CATEGORY_SHARES = np.array([0.16, 0.17, 0.10, 0.20, 0.11, 0.08, 0.09, 0.09])
SKU_CODES = ("FF", "NH", "SK", "MB", "AB", "CO", "HO", "PC")

#: SPEC §4 tenure_activity_baselines (thesis 3.2.1 / 4.2), buckets 1..13.
BASELINES: dict[int, tuple[float, ...]] = {
    399: (.40, .65, .65, .58, .55, .52, .51, .50, .48, .46, .44, .42, .40),
    199: (.40, .57, .55, .50, .48, .46, .44, .42, .41, .39, .38, .37, .36),
}
TIERS = (399, 199)  # tier index 0 -> 399, 1 -> 199
TIER_399_SHARE = 0.60
BASE_ARR = np.array([BASELINES[399], BASELINES[199]])  # [tier_idx, bucket-1]

#: thesis 3.2.1 monthly spend of active members: <100 8 %, 100–500 45 %, 500–1000 36 %, ≥1000 11 %.
SPEND_BANDS = ("lt_100", "100_500", "500_1000", "ge_1000")
SPEND_SHARES = np.array([0.08, 0.45, 0.36, 0.11])
SPEND_EDGES_CENTS = np.array([0, 10_000, 50_000, 100_000])

ORDERS_PER_ACTIVE_WINDOW_P = np.array([0.45, 0.35, 0.15, 0.05])  # 1..4, mean 1.8
LINES_PER_ORDER_P = np.array([0.40, 0.30, 0.20, 0.10])  # 1..4
QUANTITY_P = np.array([0.70, 0.20, 0.10])  # 1..3
CANCEL_P = (0.068, 0.012)  # extra cancelled order per (active, inactive) window
FULL_REFUND_ORDER_P = (0.012, 0.005)  # extra fully refunded paid order per window
PARTIAL_REFUND_LINE_P = 0.03
FULL_REFUND_LINE_P = 0.007  # lines 2+ of purchases only
LATE_REFUND_LINE_P = 0.01
UTC_NOTATION_P = 0.10
ACTIVITY_RHO = 0.75
REFERRED_P = 0.25
LEAVE_RATE_PER_YEAR = 0.03
MOVE_RATE_PER_YEAR = 0.02
MENTOR_DEPARTURE_RATE_PER_YEAR = 0.08
REHOME_P = 0.80
MENTOR_EFFECT_SD = 0.10  # activity shift (latent z units) shared by a mentor's groups
GROUP_EFFECT_SD = 0.10  # and per group: groups differ in health
SPEND_GROUP_LINK = 0.8  # healthy groups also spend more (thesis 3.2.1: service quality)
WINDOW_BUDGET = 300_000  # tenure windows per streamed chunk (~270k orders, ~540k lines)
WRITE_BATCH = 100_000  # rows per write call (bounds the Python string overhead)

PROVINCES = ("广东", "四川", "山东", "浙江", "江苏", "河南", "福建", "湖南", "湖北", "河北", "安徽", "上海")
PROVINCE_P = np.array([0.16, 0.13, 0.12, 0.09, 0.09, 0.08, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03])
NICK_STEMS = ("宝妈", "小店主", "晴天", "果果妈", "小鱼", "豆豆妈", "花花", "一一妈妈", "暖阳", "小米粒")
GROUP_KINDS = ("店主群", "交流群", "互助群", "店主交流群")


@dataclass(frozen=True)
class SizePreset:
    """Default world size; --members and --months override the first two."""

    members: int
    months: int
    growth: float  # g: join density at the end is e^g times that at the start
    groups_per_mentor: tuple[int, int]
    group_capacity: tuple[int, int]


PRESETS: dict[str, SizePreset] = {
    "tiny": SizePreset(300, 15, 0.8, (2, 4), (10, 40)),
    "demo": SizePreset(20_000, 15, 1.0, (5, 8), (100, 400)),
    "S": SizePreset(100_000, 24, 1.0, (5, 8), (100, 400)),
    "M": SizePreset(300_000, 30, 1.6, (5, 8), (100, 400)),
    "L": SizePreset(1_000_000, 37, 2.2, (5, 8), (100, 400)),
}


@dataclass
class Config:
    out: Path
    size: str
    members: int
    seed: int
    end_date: date
    months: int
    bad_rows: bool
    fmt: str
    force: bool
    chunk_size: int
    preset: SizePreset

    @property
    def start_date(self) -> date:
        return add_months(self.end_date, -self.months) + timedelta(days=1)

    def manifest_args(self) -> dict[str, Any]:
        return {
            "size": self.size, "members": self.members, "seed": self.seed,
            "end_date": self.end_date.isoformat(), "months": self.months,
            "start_date": self.start_date.isoformat(), "bad_rows": self.bad_rows,
            "format": self.fmt, "chunk_size": self.chunk_size, "growth": self.preset.growth,
        }


# --------------------------------------------------------------------------- small helpers


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


def day_number(d: date) -> int:
    """Days since 1970-01-01 of a (local) calendar date."""
    return (d - date(1970, 1, 1)).days


def midnight(day: np.ndarray | int) -> Any:
    """UTC instant of local midnight starting local day number ``day``."""
    return np.asarray(day, dtype=np.int64) * DAY_S - OFFSET_S


def local_day(t: np.ndarray) -> np.ndarray:
    return (np.asarray(t, dtype=np.int64) + OFFSET_S) // DAY_S


def rng_for(seed: int, *path: int) -> np.random.Generator:
    """An independent PCG64 stream for one step (e.g. (3, chunk_index))."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=path)))


def fmt_ts(t: np.ndarray, utc: np.ndarray | None = None) -> np.ndarray:
    """ISO 8601 with offset: '+08:00' local notation, or 'Z' where ``utc``; NULL -> ''."""
    t = np.asarray(t, dtype=np.int64)
    out = np.strings.add(np.datetime_as_string((t + OFFSET_S).astype("datetime64[s]"), unit="s"), "+08:00")
    if utc is not None and utc.any():
        out[utc] = np.strings.add(np.datetime_as_string(t[utc].astype("datetime64[s]"), unit="s"), "Z")
    null = t == NULL
    if null.any():
        out[null] = ""
    return out


def fmt_one_ts(t: int, utc: bool = False) -> str:
    return str(fmt_ts(np.array([t], dtype=np.int64), np.array([utc]))[0])


_LUT_CACHE: dict[int, np.ndarray] = {}


def _lut(width: int) -> np.ndarray:
    """Strings of 0..99999, zero-padded to ``width`` (0 = no padding)."""
    if width not in _LUT_CACHE:
        base = np.arange(100_000).astype("U5")
        _LUT_CACHE[width] = np.strings.zfill(base, width) if width else base
    return _LUT_CACHE[width]


def int_str(x: np.ndarray, width: int = 0) -> np.ndarray:
    """Non-negative ints as (zero-padded) decimal strings; table look-ups where possible."""
    x = np.asarray(x, dtype=np.int64)
    if len(x) == 0:
        return np.array([], dtype="U1")
    if x.min() >= 0 and x.max() < 100_000:
        return _lut(width)[x]
    if x.min() >= 0 and width > 5:
        return np.strings.add(int_str(x // 100_000, width - 5), _lut(5)[x % 100_000])
    out = x.astype("U20")
    return np.strings.zfill(out, width) if width else out


def fmt_money(cents: np.ndarray) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    return np.strings.add(np.strings.add(int_str(cents // 100), "."), _lut(2)[cents % 100])


def fmt_ids(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, int_str(np.asarray(nums, dtype=np.int64), width))


def mentor_id(i: int) -> str:
    return f"MT{i:04d}"


def group_id(i: int) -> str:
    return f"G{i:05d}"


def member_id(i: int) -> str:
    return f"M{i:07d}"


def order_id(i: int) -> str:
    return f"O{i:010d}"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- output sinks


class Sink:
    """One output table (CSV or Parquet), opened lazily, written in chunks."""

    def __init__(self, path_stem: Path, columns: Sequence[str], fmt: str) -> None:
        self.path = path_stem.with_suffix("." + fmt)
        self.columns = tuple(columns)
        self.fmt = fmt
        self.rows = 0
        self._fh: Any = None
        self._writer: Any = None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "csv":
            self._fh = open(self.path, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._fh, lineterminator="\n")
            self._writer.writerow(self.columns)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(c, pa.string()) for c in self.columns])
            self._writer = pq.ParquetWriter(self.path, schema, compression="zstd")

    def write(self, cols: Sequence[Any], plain: bool = False) -> None:
        """Append rows given column-wise (string arrays/lists, '' = null).

        ``plain`` promises no value needs CSV quoting (ids, numbers, timestamps,
        fixed codes): rows are then joined directly, much faster than csv.writer.
        """
        if len(cols) != len(self.columns):
            raise ValueError(f"{self.path.name}: {len(cols)} columns for {self.columns}")
        n = len(cols[0]) if len(cols) else 0
        if n == 0:
            return
        if n > WRITE_BATCH:
            for a in range(0, n, WRITE_BATCH):
                self.write([c[a:a + WRITE_BATCH] for c in cols], plain)
            return
        lists = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in cols]
        if self._fh is None and self._writer is None:
            self._open()
        if self.fmt == "csv":
            if plain:
                self._fh.write("\n".join(map(",".join, zip(*lists, strict=True))))
                self._fh.write("\n")
            else:
                self._writer.writerows(zip(*lists, strict=True))
        else:
            import pyarrow as pa

            arrays = [pa.array([v if v != "" else None for v in col], type=pa.string()) for col in lists]
            self._writer.write_table(pa.Table.from_arrays(arrays, names=list(self.columns)))
        self.rows += n

    def close(self) -> None:
        if self.fmt == "csv" and self._fh is not None:
            self._fh.close()
        elif self.fmt == "parquet" and self._writer is not None:
            self._writer.close()
        self._fh = self._writer = None


# --------------------------------------------------------------------------- the plan


@dataclass
class World:
    """Member- and organisation-level plan (small arrays; orders are streamed)."""

    start_day: int
    end_day: int
    end_instant: int
    # members (index i -> member_id M{i+1:07d}), sorted by join instant
    join: np.ndarray
    tier_idx: np.ndarray  # 0 = 399, 1 = 199
    referrer: np.ndarray  # member index or -1
    g0: np.ndarray  # first group (index)
    # mentors
    mentor_hired: np.ndarray
    mentor_left: np.ndarray  # NULL when still employed
    mentor_fill_end: np.ndarray
    # groups
    group_mentor: np.ndarray
    group_created: np.ndarray
    group_closed: np.ndarray
    group_number: np.ndarray  # 1-based number within the mentor
    group_kind: np.ndarray
    group_effect: np.ndarray  # activity shift in latent z units
    group_cat_cum: np.ndarray  # cumulative category weights, [group, 8]
    # memberships (rows of the final state)
    ms_member: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_group: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_joined: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_left: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_kind: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))  # 0 b1, 1 b1+b2 update, 2 b2 only
    departures: list[dict[str, Any]] = field(default_factory=list)
    last_week_mentors: set[int] = field(default_factory=set)

    @property
    def n_members(self) -> int:
        return len(self.join)

    @property
    def n_groups(self) -> int:
        return len(self.group_mentor)

    @property
    def n_mentors(self) -> int:
        return len(self.mentor_hired)


def plan_members(cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join instants (sorted, strictly increasing), tier index and referrer index."""
    rng = rng_for(cfg.seed, 1)
    n = cfg.members
    start_day, end_day = day_number(cfg.start_date), day_number(cfg.end_date)
    n_days = end_day - start_day + 1
    g = cfg.preset.growth
    u = (np.arange(n) + rng.random(n)) / n  # stratified: smooth growth curve
    t = np.log1p(u * math.expm1(g)) / g if g > 0 else u
    day = start_day + np.minimum((t * n_days).astype(np.int64), n_days - 1)
    tod = (8 * 3600 + rng.random(n) * 15 * 3600).astype(np.int64)  # fee paid 08:00-23:00
    join = np.sort(midnight(day) + tod)
    idx = np.arange(n, dtype=np.int64)
    join = np.maximum.accumulate(join - idx) + idx  # strictly increasing instants
    tier_idx = (rng.random(n) >= TIER_399_SHARE).astype(np.int8)
    referrer = np.full(n, -1, dtype=np.int64)
    referred = (rng.random(n) < REFERRED_P) & (idx > 0)
    referrer[referred] = (rng.random(int(referred.sum())) * idx[referred]).astype(np.int64)
    return join, tier_idx, referrer


def plan_organisation(cfg: Config, join: np.ndarray) -> dict[str, np.ndarray]:
    """Mentors and groups, and each member's first group (filling groups in join order)."""
    rng = rng_for(cfg.seed, 2)
    n = len(join)
    glo, ghi = cfg.preset.groups_per_mentor
    clo, chi = cfg.preset.group_capacity
    # small worlds: shrink groups so there are still a few mentors (>= 4) to hand over between
    per_mentor = (glo + ghi) / 2 * (clo + (chi - clo) * 0.7 / 3.2)
    scale = min(1.0, n / (4 * per_mentor))
    caps: list[int] = []
    owner: list[int] = []
    number: list[int] = []
    m = 0
    while sum(caps) < n or m < 3:
        k = int(rng.integers(glo, ghi + 1))
        c = clo + np.rint((chi - clo) * rng.beta(0.7, 2.5, k)).astype(int)
        c = np.maximum(2, np.rint(c * scale).astype(int))
        if m == 0 and k >= 2:
            c[1] = max(3, clo // 2 if clo < 20 else 6)  # one deliberately small group (< 10)
        caps.extend(int(x) for x in c)
        owner.extend([m] * k)
        number.extend(range(1, k + 1))
        m += 1
    cap = np.array(caps)
    cum = np.cumsum(cap)
    # members in join order take consecutive slots, locally shuffled so that
    # neighbouring groups fill at the same time
    window = 2.0 * cap.mean()
    order = np.argsort(np.arange(n) + rng.random(n) * window, kind="stable")
    slot_group = np.searchsorted(cum, np.arange(n), side="right")
    g0 = np.empty(n, dtype=np.int64)
    g0[order] = slot_group
    used = np.unique(g0)
    # drop empty (never reached) groups; keep group order
    remap = np.full(len(cap), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    g0 = remap[g0]
    grp_owner = np.array(owner)[used]
    mentors_used = np.unique(grp_owner)
    mremap = np.full(m, -1, dtype=np.int64)
    mremap[mentors_used] = np.arange(len(mentors_used))
    group_mentor = mremap[grp_owner]
    group_number = np.array(number)[used]
    n_groups, n_mentors = len(used), len(mentors_used)
    # first membership starts a few minutes after the fee, same local date
    ms0 = join + rng.integers(0, 600, n)
    ms0 = np.minimum(ms0, midnight(local_day(join) + 1) - 1)
    first = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(first, g0, ms0)
    last = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(last, g0, ms0)
    # created on a working day hour shortly before the first member arrives
    c_day = local_day(first - rng.integers(3600, 3 * DAY_S, n_groups))
    created = midnight(c_day) + 9 * 3600 + rng.integers(0, 9 * 3600, n_groups)
    created = np.minimum(created, first - 600 - rng.integers(0, 3600, n_groups))
    hired_first = np.full(n_mentors, np.iinfo(np.int64).max)
    np.minimum.at(hired_first, group_mentor, created)
    hired_day = local_day(hired_first) - rng.integers(14, 46, n_mentors)  # 2 weeks' training
    hired = midnight(hired_day) + 9 * 3600 + rng.integers(0, 3600, n_mentors)
    fill_end = np.full(n_mentors, np.iinfo(np.int64).min)
    np.maximum.at(fill_end, group_mentor, last)
    mentor_eff = rng.normal(0, MENTOR_EFFECT_SD, n_mentors)
    group_effect = mentor_eff[group_mentor] + rng.normal(0, GROUP_EFFECT_SD, n_groups)
    weights = CATEGORY_SHARES[None, :] * np.exp(rng.normal(0, 0.3, (n_groups, len(CATEGORIES))))
    weights /= weights.sum(axis=1, keepdims=True)
    return {
        "g0": g0, "ms0": ms0, "group_mentor": group_mentor, "group_created": created,
        "group_number": group_number, "group_kind": rng.integers(0, len(GROUP_KINDS), n_groups),
        "group_effect": group_effect, "group_cat_cum": np.cumsum(weights, axis=1),
        "mentor_hired": hired, "mentor_fill_end": fill_end,
    }


def plan_departures(cfg: Config, world: World) -> dict[int, int]:
    """Mentor departures (sets mentor_left / group_closed); returns group -> handover target group."""
    rng = rng_for(cfg.seed, 3)
    end_instant = world.end_instant
    n_m = world.n_mentors
    left = np.full(n_m, NULL, dtype=np.int64)
    # random departures: hazard from the day her groups are full
    wait = rng.exponential(YEAR_S / MENTOR_DEPARTURE_RATE_PER_YEAR, n_m) + 30 * DAY_S
    when = world.mentor_fill_end + wait.astype(np.int64)
    d_day = local_day(when)
    when = midnight(d_day) + 10 * 3600 + rng.integers(0, 9 * 3600, n_m)
    when = np.where(when <= world.mentor_fill_end + DAY_S, when + DAY_S, when)
    rnd = when <= end_instant
    left[rnd] = when[rnd]
    # scheduled departures: end-30 (handover window ends on the end date) and end-3 (batch_0002)
    scheduled: list[int] = []
    for days_before, hour in ((30, 18), (3, 17)):
        d = int(midnight(world.end_day - days_before)) + hour * 3600
        ok = [j for j in range(n_m) if left[j] == NULL and world.mentor_fill_end[j] < d - 7 * DAY_S]
        others = [j for j in range(n_m) if left[j] == NULL and j not in ok]
        if ok and (len(ok) > 1 or others):
            j = int(ok[int(rng.integers(0, len(ok)))])
            left[j] = d
            scheduled.append(j)
    world.mentor_left = left
    world.group_closed = np.where(left[world.group_mentor] != NULL, left[world.group_mentor], NULL)
    # handover target: one other mentor, still employed 31 days later, with groups created by then
    targets: dict[int, int] = {}
    for j in np.argsort(np.where(left == NULL, np.iinfo(np.int64).max, left), kind="stable"):
        j = int(j)
        if left[j] == NULL:
            break
        d = int(left[j])
        cand = [b for b in range(n_m) if b != j and (left[b] == NULL or left[b] > d + 31 * DAY_S)
                and np.any((world.group_mentor == b) & (world.group_created <= d - 3600))]
        info: dict[str, Any] = {"mentor_index": j, "closed_at": d, "scheduled": j in scheduled,
                                "target_mentor_index": None}
        if cand:
            b = cand[int(rng.integers(0, len(cand)))]
            info["target_mentor_index"] = b
            tgt = np.flatnonzero((world.group_mentor == b) & (world.group_created <= d - 3600))
            for g in np.flatnonzero(world.group_mentor == j):
                targets[int(g)] = int(tgt[int(rng.integers(0, len(tgt)))])
        world.departures.append(info)
    world.last_week_mentors = {int(j) for j in range(n_m)
                               if left[j] != NULL and local_day(left[j]) >= world.end_day - 6}
    for info in world.departures:
        info["forced_lost"] = bool(info["scheduled"])
    return targets


def simulate_memberships(cfg: Config, world: World, ms0: np.ndarray, targets: dict[int, int]) -> None:
    """Group membership intervals: first group, leaves, mid-month moves, handovers."""
    rng = rng_for(cfg.seed, 4)
    n = world.n_members
    end = world.end_instant
    inf = np.iinfo(np.int64).max
    leave = ms0 + rng.exponential(YEAR_S / LEAVE_RATE_PER_YEAR, n).astype(np.int64)
    move0 = ms0 + rng.exponential(YEAR_S / MOVE_RATE_PER_YEAR, n).astype(np.int64)
    # snap moves to the middle of their month (day 8-22), daytime
    months = local_day(move0).astype("datetime64[D]").astype("datetime64[M]")
    dom = rng.integers(7, 22, n)
    mday = months.astype("datetime64[D]").astype(np.int64) + dom
    move = midnight(mday) + 10 * 3600 + rng.integers(0, 12 * 3600, n)
    late = move <= ms0 + DAY_S
    nxt = (months[late] + 1).astype("datetime64[D]").astype(np.int64) + dom[late]
    move[late] = midnight(nxt) + 10 * 3600
    closed = world.group_closed
    closed_inf = np.where(closed == NULL, inf, closed)
    affected = np.flatnonzero((leave <= end) | (move <= end) | (closed_inf[world.g0] <= end))
    # unaffected members: one open membership row
    simple = np.ones(n, dtype=bool)
    simple[affected] = False
    rows_m: list[np.ndarray] = [np.flatnonzero(simple)]
    rows_g: list[np.ndarray] = [world.g0[simple]]
    rows_j: list[np.ndarray] = [ms0[simple]]
    rows_l: list[np.ndarray] = [np.full(int(simple.sum()), NULL, dtype=np.int64)]
    rows_k: list[np.ndarray] = [np.zeros(int(simple.sum()), dtype=np.int8)]
    em: list[int] = []
    eg: list[int] = []
    ej: list[int] = []
    el: list[int] = []
    ek: list[int] = []
    created_sorted = np.argsort(world.group_created, kind="stable")
    created_vals = world.group_created[created_sorted]
    lw_groups = {int(g) for g in range(world.n_groups) if int(world.group_mentor[g]) in world.last_week_mentors}
    forced = {int(g) for info in world.departures if info["forced_lost"]
              for g in np.flatnonzero(world.group_mentor == info["mentor_index"])}
    for i in affected.tolist():
        g, start, moved, kind = int(world.g0[i]), int(ms0[i]), False, 0
        li, vi = int(leave[i]), int(move[i])
        while True:
            c = int(closed_inf[g])
            cand_l = li if li > start + 60 else inf
            cand_v = vi if (not moved and vi > start + 3600) else inf
            e = min(c, cand_l, cand_v)
            if e > end:
                em.append(i), eg.append(g), ej.append(start), el.append(int(NULL)), ek.append(kind)
                break
            if e == c:  # mentor departure closes the group
                em.append(i), eg.append(g), ej.append(start), el.append(c)
                ek.append(1 if (g in lw_groups and kind == 0) else kind)
                if g in lw_groups:
                    kind = 2
                tgt = targets.get(g)
                lost = g in forced
                forced.discard(g)
                if tgt is None or lost or rng.random() >= REHOME_P:
                    break
                if rng.random() < 0.35:  # same local day
                    day_end = int(midnight(local_day(c) + 1)) - 1
                    delay = int(rng.integers(0, max(1, day_end - c)))
                else:
                    delay = int(min(rng.exponential(6 * DAY_S), 30 * DAY_S))
                new_start = c + delay
                if new_start > end:
                    break  # re-homing still pending on the end date
                g, start = tgt, new_start
                continue
            if e == cand_l:  # leaves for good
                em.append(i), eg.append(g), ej.append(start), el.append(li), ek.append(kind)
                break
            # mid-month move to another open group
            hi = int(np.searchsorted(created_vals, vi - 3600, side="right"))
            new_g = -1
            for _ in range(12):
                if hi == 0:
                    break
                cg = int(created_sorted[int(rng.integers(0, hi))])
                if cg != g and closed_inf[cg] > vi + 2 * DAY_S:
                    new_g = cg
                    break
            moved = True
            if new_g < 0:
                continue
            em.append(i), eg.append(g), ej.append(start), el.append(vi), ek.append(kind)
            delay = 0 if rng.random() < 0.5 else int(rng.integers(60, 6 * 3600))
            g, start = new_g, vi + delay
    rows_m.append(np.array(em, dtype=np.int64))
    rows_g.append(np.array(eg, dtype=np.int64))
    rows_j.append(np.array(ej, dtype=np.int64))
    rows_l.append(np.array(el, dtype=np.int64))
    rows_k.append(np.array(ek, dtype=np.int8))
    mm, gg, jj, ll, kk = (np.concatenate(x) for x in (rows_m, rows_g, rows_j, rows_l, rows_k))
    o = np.lexsort((jj, mm))
    world.ms_member, world.ms_group, world.ms_joined, world.ms_left, world.ms_kind = (
        mm[o], gg[o], jj[o], ll[o], kk[o])
    _check_memberships(world)


def _check_memberships(world: World) -> None:
    m, j, left = world.ms_member, world.ms_joined, world.ms_left
    assert np.all(m[1:] >= m[:-1])
    ok_len = (left == NULL) | (left > j)
    assert ok_len.all(), "membership with left_at <= joined_at"
    same = m[1:] == m[:-1]
    prev_left = left[:-1][same]
    assert np.all(prev_left != NULL), "open membership followed by another"
    assert np.all(j[1:][same] >= prev_left), "overlapping memberships"
    assert np.all(local_day(j) <= world.end_day) and np.all((left == NULL) | (left <= world.end_instant))
    g = world.ms_group
    assert np.all(world.group_created[g] < j), "membership before its group was created"
    closed = world.group_closed[g]
    assert np.all((closed == NULL) | (j < closed)), "membership starting after its group closed"


def build_world(cfg: Config) -> World:
    t0 = time.perf_counter()
    join, tier_idx, referrer = plan_members(cfg)
    org = plan_organisation(cfg, join)
    end_day = day_number(cfg.end_date)
    world = World(
        start_day=day_number(cfg.start_date), end_day=end_day, end_instant=int(midnight(end_day + 1)) - 1,
        join=join, tier_idx=tier_idx, referrer=referrer, g0=org["g0"],
        mentor_hired=org["mentor_hired"], mentor_left=np.empty(0, np.int64),
        mentor_fill_end=org["mentor_fill_end"], group_mentor=org["group_mentor"],
        group_created=org["group_created"], group_closed=np.empty(0, np.int64),
        group_number=org["group_number"], group_kind=org["group_kind"],
        group_effect=org["group_effect"], group_cat_cum=org["group_cat_cum"],
    )
    targets = plan_departures(cfg, world)
    simulate_memberships(cfg, world, org["ms0"], targets)
    log(f"planned {world.n_members:,} members, {world.n_mentors:,} mentors, {world.n_groups:,} groups, "
        f"{len(world.ms_member):,} memberships, {len(world.departures)} mentor departures "
        f"({time.perf_counter() - t0:.1f}s)")
    return world


# --------------------------------------------------------------------------- writing the organisation


class Landing:
    """All sinks of the landing directory plus per-batch row accounting."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.sinks: dict[tuple[str, str], Sink] = {}
        self.counts: dict[str, dict[str, dict[str, int]]] = {}

    def sink(self, batch: str, name: str, columns: Sequence[str] | None = None) -> Sink:
        key = (batch, name)
        if key not in self.sinks:
            self.sinks[key] = Sink(self.out / batch / name, columns or COLUMNS[name], self.fmt)
        return self.sinks[key]

    def count(self, batch: str, name: str, **kv: int) -> None:
        entry = self.counts.setdefault(batch, {}).setdefault(name, {})
        for k, v in kv.items():
            entry[k] = entry.get(k, 0) + int(v)

    def close(self) -> None:
        for s in self.sinks.values():
            s.close()


def write_organisation(cfg: Config, world: World, landing: Landing) -> dict[str, int]:
    """mentors, groups, group_memberships for batch_0001 (+ batch_0002 restatements)."""
    lw = world.last_week_mentors
    nm = world.n_mentors
    mids = np.array([mentor_id(i + 1) for i in range(nm)])
    names = np.array([f"导师{i + 1:03d}" for i in range(nm)])
    hired = fmt_ts(world.mentor_hired)
    lw_mask = np.array([i in lw for i in range(nm)], dtype=bool)
    left_b1 = np.where(lw_mask, NULL, world.mentor_left)
    landing.sink(BATCH1, "mentors").write([mids, names, hired, fmt_ts(left_b1)])
    landing.count(BATCH1, "mentors", rows=nm, new_keys=nm)
    if lw_mask.any():
        landing.sink(BATCH2, "mentors").write(
            [mids[lw_mask], names[lw_mask], hired[lw_mask], fmt_ts(world.mentor_left[lw_mask])])
        landing.count(BATCH2, "mentors", rows=int(lw_mask.sum()), updates=int(lw_mask.sum()))

    ng = world.n_groups
    gids = np.array([group_id(i + 1) for i in range(ng)])
    gnames = np.array([f"{names[world.group_mentor[i]]}{GROUP_KINDS[world.group_kind[i]]}{world.group_number[i]}"
                       for i in range(ng)])
    gm = mids[world.group_mentor]
    created = fmt_ts(world.group_created)
    glw = lw_mask[world.group_mentor]
    closed_b1 = np.where(glw, NULL, world.group_closed)
    landing.sink(BATCH1, "groups").write([gids, gnames, gm, created, fmt_ts(closed_b1)])
    landing.count(BATCH1, "groups", rows=ng, new_keys=ng)
    if glw.any():
        landing.sink(BATCH2, "groups").write(
            [gids[glw], gnames[glw], gm[glw], created[glw], fmt_ts(world.group_closed[glw])])
        landing.count(BATCH2, "groups", rows=int(glw.sum()), updates=int(glw.sum()))

    kind = world.ms_kind
    b1 = kind <= 1
    left_b1 = np.where(kind == 1, NULL, world.ms_left)
    ms_sink = landing.sink(BATCH1, "group_memberships")
    idx = np.flatnonzero(b1)
    for a in range(0, len(idx), 200_000):
        sel = idx[a:a + 200_000]
        ms_sink.write([fmt_ids("M", world.ms_member[sel] + 1, 7), fmt_ids("G", world.ms_group[sel] + 1, 5),
                       fmt_ts(world.ms_joined[sel]), fmt_ts(left_b1[sel])], plain=True)
    landing.count(BATCH1, "group_memberships", rows=len(idx), new_keys=len(idx))
    upd = np.flatnonzero(kind == 1)
    new = np.flatnonzero(kind == 2)
    new = new[np.lexsort((world.ms_member[new], world.ms_joined[new]))]
    sel = np.concatenate([upd, new])  # closing updates first, then the re-homing rows
    if len(sel):
        landing.sink(BATCH2, "group_memberships").write(
            [fmt_ids("M", world.ms_member[sel] + 1, 7), fmt_ids("G", world.ms_group[sel] + 1, 5),
             fmt_ts(world.ms_joined[sel]), fmt_ts(world.ms_left[sel])], plain=True)
        landing.count(BATCH2, "group_memberships", rows=len(sel), updates=len(upd), new_keys=len(new))
    return {"mentors": nm, "groups": ng, "group_memberships": len(world.ms_member)}


# --------------------------------------------------------------------------- orders, streamed


@dataclass
class Stats:
    orders: int = 0
    orders_b2: int = 0
    cancelled: int = 0
    fully_refunded_orders: int = 0
    purchases: int = 0
    utc_written: int = 0
    evening_peak: int = 0
    near_midnight: int = 0
    lines: int = 0
    lines_b2: int = 0
    partial_refund_lines: int = 0
    full_refund_lines: int = 0
    late_refunds: int = 0
    late_refund_to_full: int = 0
    late_refund_age_days_max: int = 0
    late_refund_over_90_days: int = 0
    active_windows: int = 0
    purchases_in_active_windows: int = 0
    members_written: int = 0
    window_band_counts: np.ndarray = field(default_factory=lambda: np.zeros(4, np.int64))
    month_band_counts: np.ndarray = field(default_factory=lambda: np.zeros(4, np.int64))
    category_cents: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), np.int64))
    tenure_windows: np.ndarray = field(default_factory=lambda: np.zeros((2, 13), np.int64))
    tenure_active: np.ndarray = field(default_factory=lambda: np.zeros((2, 13), np.int64))
    tier_counts: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))
    sales_cents: int = 0
    last_order_day: int = -1
    next_order: int = 1


def _segment_ids(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: owner index and 0-based position of each element."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - starts[owner]


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after local midnight: 60 % 19:30-24:00, 2 % 00:00-01:00, rest 07:00-19:30."""
    u = rng.random(n)
    evening = 19.5 * 3600 + rng.random(n) * 4.5 * 3600
    night = rng.random(n) * 3600
    day = 7 * 3600 + rng.random(n) * 12.5 * 3600
    return np.where(u < 0.60, evening, np.where(u < 0.62, night, day)).astype(np.int64)


def generate_orders_chunk(cfg: Config, world: World, a: int, b: int, chunk: int,
                          landing: Landing, stats: Stats) -> None:
    """Members [a, b): member rows, their orders and order lines, written and dropped."""
    rng = rng_for(cfg.seed, 10, chunk)
    E = world.end_day
    n = b - a
    join = world.join[a:b]
    J = local_day(join)
    tier = world.tier_idx[a:b]
    effect = world.group_effect[world.g0[a:b]]
    stats.tier_counts += np.bincount(tier, minlength=2)

    # ---- members.csv
    mids = fmt_ids("M", np.arange(a, b) + 1, 7)
    ref = world.referrer[a:b]
    refs = np.where(ref >= 0, fmt_ids("M", ref + 1, 7), "")
    prov_i = rng.choice(len(PROVINCES), n, p=PROVINCE_P)
    prov = np.where(rng.random(n) < 0.08, "", np.array(PROVINCES)[prov_i])
    phone = np.strings.add("100", int_str(rng.integers(0, 10**8, n), 8))
    phone = np.where(rng.random(n) < 0.05, "", phone)
    nick = np.strings.add(np.strings.add("演示", np.array(NICK_STEMS)[rng.integers(0, len(NICK_STEMS), n)]),
                          int_str(rng.integers(0, 10**4, n), 4))
    nick = np.where(rng.random(n) < 0.03, "", nick)
    tiers_s = np.where(tier == 0, "399", "199")
    landing.sink(BATCH1, "members").write([mids, tiers_s, fmt_ts(join), refs, prov, phone, nick])
    landing.count(BATCH1, "members", rows=n, new_keys=n)
    stats.members_written += n

    # ---- tenure windows and activity (calibration by rank quota per cell)
    K = (E - J) // 30 + 1
    max_k = int(K.max())
    eps = rng.standard_normal((n, max_k))
    z = np.empty_like(eps)
    z[:, 0] = eps[:, 0]
    s = math.sqrt(1 - ACTIVITY_RHO**2)
    for k in range(1, max_k):
        z[:, k] = ACTIVITY_RHO * z[:, k - 1] + s * eps[:, k]
    mask = np.arange(max_k)[None, :] < K[:, None]
    w_mem, w_pos = _segment_ids(K)
    w_k = w_pos + 1
    w_z = z[mask]
    del eps, z, mask
    w_start = J[w_mem] + 30 * (w_k - 1)
    w_complete = w_start + 29 <= E
    w_bucket = np.minimum(w_k, 13)
    w_tier = tier[w_mem].astype(np.int64)
    cell = (w_tier * 13 + (w_bucket - 1)) * 2 + w_complete
    score = w_z - effect[w_mem]
    order = np.lexsort((score, cell))
    cell_sorted = cell[order]
    first = np.searchsorted(cell_sorted, cell_sorted, side="left")
    rank = np.arange(len(cell)) - first
    counts = np.bincount(cell, minlength=52)
    p_cell = np.repeat(BASE_ARR.reshape(-1), 2)
    quota = np.floor(p_cell * counts + 0.5).astype(np.int64)
    active = np.empty(len(cell), dtype=bool)
    active[order] = rank < quota[cell_sorted]
    n_w = len(cell)

    # ---- spend per active window (rank quota over the thesis bands)
    A = np.flatnonzero(active)
    n_a = len(A)
    propensity = rng.standard_normal(n)
    latent = (0.6 * propensity[w_mem[A]] + 0.8 * rng.standard_normal(n_a)
              + np.where(w_tier[A] == 0, 0.12, -0.18) + SPEND_GROUP_LINK * effect[w_mem[A]])
    band = np.empty(n_a, dtype=np.int64)
    bounds = np.floor(np.cumsum(SPEND_SHARES) * n_a + 0.5).astype(np.int64)
    band[np.argsort(latent, kind="stable")] = np.searchsorted(bounds, np.arange(n_a), side="right")
    u = rng.random(n_a)
    spend = np.select(
        [band == 0, band == 1, band == 2],
        [990 + u * (9_999 - 990), np.exp(np.log(10_000) + u * (np.log(49_999) - np.log(10_000))),
         50_000 + u * 49_999],
        np.exp(np.log(100_000) + u * (np.log(350_000) - np.log(100_000))),
    )
    stats.window_band_counts += np.bincount(band, minlength=4)

    # ---- orders: purchases of active windows + cancelled + fully refunded on top
    n_p = rng.choice(4, n_a, p=ORDERS_PER_ACTIVE_WINDOW_P) + 1
    p_win = np.repeat(A, n_p)
    p_aidx = np.repeat(np.arange(n_a), n_p)
    wgt = rng.exponential(1.0, len(p_win))
    wsum = np.bincount(p_aidx, weights=wgt, minlength=n_a)
    p_cents = np.rint(spend[p_aidx] * wgt / wsum[p_aidx]).astype(np.int64)
    c_win = np.flatnonzero(rng.random(n_w) < np.where(active, CANCEL_P[0], CANCEL_P[1]))
    r_win = np.flatnonzero(rng.random(n_w) < np.where(active, FULL_REFUND_ORDER_P[0], FULL_REFUND_ORDER_P[1]))
    x_cents = np.rint(np.exp(np.log(2_000) + rng.random(len(c_win) + len(r_win)) * np.log(40))).astype(np.int64)
    o_win = np.concatenate([p_win, c_win, r_win])
    o_kind = np.concatenate([np.zeros(len(p_win), np.int8), np.ones(len(c_win), np.int8),
                             np.full(len(r_win), 2, np.int8)])
    o_cents = np.concatenate([p_cents, x_cents])
    # new members are keen: in window 1 orders come early (onboarding), later uniformly
    first_win = w_k[o_win] == 1
    offset = np.where(first_win, np.floor(30 * rng.beta(0.8, 1.8, len(o_win))), rng.integers(0, 30, len(o_win)))
    o_day = w_start[o_win] + offset.astype(np.int64)
    keep = o_day <= E
    o_win, o_kind, o_cents, o_day = o_win[keep], o_kind[keep], o_cents[keep], o_day[keep]
    o_mem = w_mem[o_win]
    tod = _time_of_day(rng, len(o_win))
    o_t = midnight(o_day) + tod
    jm = join[o_mem]
    early = o_t <= jm  # an order on the join day comes after the fee
    if early.any():
        day_end = midnight(o_day[early] + 1) - 1
        room = np.maximum(day_end - jm[early] - 60, 0)
        o_t[early] = jm[early] + 60 + (rng.random(int(early.sum())) * room).astype(np.int64)
        o_t[early] = np.minimum(o_t[early], day_end)
    srt = np.lexsort((o_t, o_mem))
    o_win, o_kind, o_cents, o_day, o_mem, o_t = (x[srt] for x in (o_win, o_kind, o_cents, o_day, o_mem, o_t))
    n_o = len(o_t)
    o_num = stats.next_order + np.arange(n_o)
    stats.next_order += n_o
    o_utc = rng.random(n_o) < UTC_NOTATION_P

    # ---- order lines
    n_lines = rng.choice(4, n_o, p=LINES_PER_ORDER_P) + 1
    it_o, it_pos = _segment_ids(n_lines)
    line_no = it_pos + 1
    lw = rng.exponential(1.0, len(it_o))
    lsum = np.bincount(it_o, weights=lw, minlength=n_o)
    l_cents = np.maximum(np.rint(o_cents[it_o] * lw / lsum[it_o]).astype(np.int64), 99)
    grp = world.g0[a + o_mem[it_o]]
    cu = rng.random(len(it_o))
    cat = (cu[:, None] > world.group_cat_cum[grp][:, :-1]).sum(axis=1)
    sku_num = rng.integers(1, 400, len(it_o))
    qty = rng.choice(3, len(it_o), p=QUANTITY_P) + 1
    kind_l = o_kind[it_o]
    ru = rng.random(len(it_o))
    partial = (kind_l == 0) & (ru < PARTIAL_REFUND_LINE_P)
    full = (kind_l == 2) | ((kind_l == 0) & (line_no >= 2) & (ru >= PARTIAL_REFUND_LINE_P)
                            & (ru < PARTIAL_REFUND_LINE_P + FULL_REFUND_LINE_P))
    refund = np.zeros(len(it_o), dtype=np.int64)
    frac = 0.05 + 0.9 * rng.random(len(it_o))
    refund[partial] = np.clip(np.rint(l_cents[partial] * frac[partial]), 1, l_cents[partial] - 1)
    refund[full] = l_cents[full]
    # late refunds: earlier lines of paid orders re-sent in batch_0002 with a higher refund
    final_day_l = o_day[it_o] == E
    eligible = (~final_day_l) & (kind_l == 0) & (l_cents - refund >= 2)
    late = eligible & (rng.random(len(it_o)) < LATE_REFUND_LINE_P)
    late_refund = refund.copy()
    to_full = late & (line_no >= 2) & (rng.random(len(it_o)) < 0.3)
    part = late & ~to_full
    late_refund[to_full] = l_cents[to_full]
    step = np.maximum(np.rint((l_cents - refund) * (0.2 + 0.7 * rng.random(len(it_o)))), 1).astype(np.int64)
    late_refund[part] = np.minimum(refund[part] + step[part], l_cents[part] - 1)
    final_refund = np.where(late, late_refund, refund)

    # ---- checks and statistics on the final state
    net = np.bincount(it_o, weights=(l_cents - final_refund).astype(np.float64), minlength=n_o)
    purchase = (o_kind != 1) & (net > 0.5)
    assert np.all(purchase[o_kind == 0]), "a purchase lost its net amount"
    o_k = (o_day - J[o_mem]) // 30  # 0-based window index of each order
    widx = (np.cumsum(K) - K)[o_mem] + o_k
    active_obs = np.zeros(n_w, dtype=bool)
    active_obs[widx[purchase]] = True
    assert np.array_equal(active_obs[w_complete], active[w_complete]), "activity differs from the plan"
    bucket_i = w_bucket[w_complete] - 1
    np.add.at(stats.tenure_windows, (w_tier[w_complete], bucket_i), 1)
    np.add.at(stats.tenure_active, (w_tier[w_complete], bucket_i), active_obs[w_complete].astype(np.int64))
    stats.active_windows += n_a
    stats.purchases_in_active_windows += int(n_p.sum())
    line_net = l_cents - final_refund
    pl = purchase[it_o]
    stats.category_cents += np.bincount(cat[pl], weights=line_net[pl], minlength=len(CATEGORIES)).astype(np.int64)
    stats.sales_cents += int(line_net[pl].sum())
    # calendar-month spend of active member-months (the thesis' 当月消费水平)
    month = o_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    pm = np.flatnonzero(purchase)
    key = o_mem[pm] * 10_000 + month[pm]
    uk, inv = np.unique(key, return_inverse=True)
    m_cents = np.bincount(inv, weights=net[pm], minlength=len(uk))
    stats.month_band_counts += np.bincount(np.searchsorted(SPEND_EDGES_CENTS, m_cents, side="right") - 1,
                                           minlength=4)
    local_tod = tod[srt]
    stats.orders += n_o
    stats.cancelled += int((o_kind == 1).sum())
    stats.fully_refunded_orders += int((o_kind == 2).sum())
    stats.purchases += int(purchase.sum())
    stats.utc_written += int(o_utc.sum())
    stats.evening_peak += int((local_tod >= 19.5 * 3600).sum())
    stats.near_midnight += int(((local_tod >= 23.5 * 3600) | (local_tod < 1800)).sum())
    stats.lines += len(it_o)
    stats.partial_refund_lines += int(partial.sum())
    stats.full_refund_lines += int(full.sum() + to_full.sum())
    stats.late_refunds += int(late.sum())
    stats.late_refund_to_full += int(to_full.sum())
    if late.any():
        age = E - o_day[it_o[late]]
        stats.late_refund_age_days_max = max(stats.late_refund_age_days_max, int(age.max()))
        stats.late_refund_over_90_days += int((age > 90).sum())
    if n_o:
        stats.last_order_day = max(stats.last_order_day, int(o_day.max()))

    # ---- write: batch_0001 everything before the end date, batch_0002 the end date + late refunds
    # (formatted slice by slice so that string memory stays bounded)
    mem_num = o_mem + a + 1
    fd = o_day == E
    for batch, sel in ((BATCH1, ~fd), (BATCH2, fd)):
        idx = np.flatnonzero(sel)
        for s0 in range(0, len(idx), WRITE_BATCH):
            i = idx[s0:s0 + WRITE_BATCH]
            landing.sink(batch, "orders").write(
                [fmt_ids("O", o_num[i], 10), fmt_ids("M", mem_num[i], 7), fmt_ts(o_t[i], o_utc[i]),
                 np.where(o_kind[i] == 1, "cancelled", "paid")], plain=True)
        if len(idx):
            landing.count(batch, "orders", rows=len(idx), new_keys=len(idx))
    stats.orders_b2 += int(fd.sum())
    cat_names, sku_codes = np.array(CATEGORIES), np.array(SKU_CODES)
    for batch, sel, ref_c in ((BATCH1, ~final_day_l, refund), (BATCH2, final_day_l, refund),
                              (BATCH2, late, late_refund)):
        idx = np.flatnonzero(sel)
        for s0 in range(0, len(idx), WRITE_BATCH):
            i = idx[s0:s0 + WRITE_BATCH]
            sku = np.strings.add(np.strings.add("SKU-", sku_codes[cat[i]]),
                                 np.strings.add("-", int_str(sku_num[i], 4)))
            landing.sink(batch, "order_items").write(
                [fmt_ids("O", o_num[it_o[i]], 10), int_str(line_no[i]), sku, cat_names[cat[i]],
                 int_str(qty[i]), fmt_money(l_cents[i]), fmt_money(ref_c[i])], plain=True)
        if len(idx):
            kind_key = "updates" if ref_c is late_refund else "new_keys"
            landing.count(batch, "order_items", rows=len(idx), **{kind_key: len(idx)})
    stats.lines_b2 += int(final_day_l.sum())


# --------------------------------------------------------------------------- bad-row batch


def write_bad_batch(cfg: Config, world: World, landing: Landing, stats: Stats) -> dict[str, Any]:
    """batch_0003_bad_rows: a few valid new rows plus exactly one bad row per reason code."""
    rng = rng_for(cfg.seed, 20)
    E, end_s = world.end_day, cfg.end_date.isoformat()
    day = int(midnight(E))

    def ts(offset_s: int, utc: bool = False) -> str:
        return fmt_one_ts(day + offset_s, utc)

    bad: list[dict[str, Any]] = []
    rows: dict[str, list[list[str]]] = {}
    valid: dict[str, int] = {}

    def add(file: str, row: list[str], reason: str | None = None, key: dict[str, str] | None = None,
            column: str | None = None, note: str = "") -> int:
        rows.setdefault(file, []).append(row)
        rn = len(rows[file])
        if reason is None:
            valid[file] = valid.get(file, 0) + 1
        else:
            bad.append({"batch": BATCH_BAD, "file": file, "row_number": rn, "reason": reason,
                        "key": key or {}, "column": column, "value": row[COLUMNS[file].index(column)]
                        if column and column in COLUMNS[file] else None, "note": note})
        return rn

    # reference objects: a mentor who stays, one of her open groups, members to reuse
    staying = [j for j in range(world.n_mentors) if world.mentor_left[j] == NULL]
    open_groups = np.flatnonzero((world.group_closed == NULL) & (world.group_created < day - 2 * DAY_S))
    g_ok = int(open_groups[0])
    mentor_ok = int(world.group_mentor[g_ok]) if int(world.group_mentor[g_ok]) in staying else staying[0]
    g_other = int(open_groups[1]) if len(open_groups) > 1 else g_ok
    n_m, n_g = world.n_members, world.n_groups
    J = local_day(world.join)
    # a member whose latest membership is open, loaded in batch_0001, started days ago
    last = np.searchsorted(world.ms_member, np.arange(n_m), side="right") - 1
    lr = np.maximum(last, 0)
    open_b1 = ((last >= 0) & (world.ms_member[lr] == np.arange(n_m)) & (world.ms_left[lr] == NULL)
               & (world.ms_kind[lr] == 0) & (world.ms_joined[lr] < day - 3 * DAY_S))
    ov_pool = np.flatnonzero(open_b1 & (world.ms_group[lr] != g_other))
    if len(ov_pool) == 0:
        ov_pool = np.flatnonzero(open_b1)
    if len(ov_pool) == 0:
        raise RuntimeError("--bad-rows needs a member with an open group membership; use more --members")
    ov = int(ov_pool[0])
    # members whose tenure window containing the end date is incomplete: their extra orders
    # change no complete window (expected_tenure_activity stays exact)
    quiet = [int(x) for x in np.flatnonzero(((E - J) % 30 != 29) & (J < E - 40))[:2]]
    new_members = [n_m + 1 + i for i in range(6)]  # 1-based numbers
    buyers = [q + 1 for q in quiet] + new_members[3:5]  # 1-based numbers of existing-member buyers
    new_group = n_g + 1

    # groups: one valid new group, one closed before created, one with an unknown mentor
    gname = f"导师{mentor_ok + 1:03d}新人群"
    add("groups", [group_id(new_group), gname, mentor_id(mentor_ok + 1), ts(-DAY_S + 10 * 3600), ""])
    add("groups", [group_id(n_g + 2), gname + "B", mentor_id(mentor_ok + 1), ts(-2 * DAY_S + 10 * 3600),
                   ts(-2 * DAY_S + 9 * 3600)], "end_before_start", {"group_id": group_id(n_g + 2)}, "closed_at",
        "closed_at one hour before created_at")
    add("groups", [group_id(n_g + 3), "无主群", mentor_id(0), ts(-DAY_S + 11 * 3600), ""], "unknown_mentor",
        {"group_id": group_id(n_g + 3)}, "mentor_id")

    # members: six valid new members joined on the end date, one with tier 299
    mem_rows = []
    for i, num in enumerate(new_members):
        mem_rows.append([member_id(num), "399" if i % 2 == 0 else "199", ts(9 * 3600 + i * 900),
                         member_id(1) if i == 1 else "", PROVINCES[i],
                         f"100{int(rng.integers(0, 10**8)):08d}", f"演示新会员{i + 1:04d}"])
    for r in mem_rows[:3]:
        add("members", r)
    add("members", [member_id(n_m + 7), "299", ts(10 * 3600), "", "广东", "", "演示异常档位"], "invalid_tier",
        {"member_id": member_id(n_m + 7)}, "tier")
    for r in mem_rows[3:]:
        add("members", r)

    # memberships: five valid, one unknown group, one overlapping an existing open membership
    add("group_memberships", [member_id(new_members[0]), group_id(new_group), ts(9 * 3600 + 120), ""])
    add("group_memberships", [member_id(new_members[1]), group_id(new_group), ts(9 * 3600 + 1020), ""])
    add("group_memberships", [member_id(new_members[5]), group_id(0), ts(9 * 3600 + 5 * 900 + 60), ""],
        "unknown_group", {"member_id": member_id(new_members[5]), "group_id": group_id(0)}, "group_id")
    add("group_memberships", [member_id(new_members[2]), group_id(g_ok + 1), ts(9 * 3600 + 1860), ""])
    ov_row = [member_id(ov + 1), group_id(g_other + 1), ts(-2 * DAY_S + 12 * 3600), ts(-DAY_S + 12 * 3600)]
    add("group_memberships", ov_row, "membership_overlap",
        {"member_id": ov_row[0], "group_id": ov_row[1], "joined_at": ov_row[2]}, "joined_at",
        "the member's open membership loaded in batch_0001 covers this interval")
    add("group_memberships", [member_id(new_members[3]), group_id(g_ok + 1), ts(9 * 3600 + 2760), ""])
    add("group_memberships", [member_id(new_members[4]), group_id(g_ok + 1), ts(9 * 3600 + 3660), ""])

    # orders (with an extra `channel` column the loader ignores)
    nxt = stats.next_order
    ids = [order_id(nxt + i) for i in range(12)]
    ocols = COLUMNS["orders"] + ("channel",)

    def orow(oid: str, mem: str, when: str, status: str = "paid") -> list[str]:
        return [oid, mem, when, status, "wechat_miniapp"]

    valid_orders = [
        orow(ids[0], member_id(new_members[0]), ts(13 * 3600)),
        orow(ids[1], member_id(buyers[0]), ts(14 * 3600 + 300, utc=True)),
        orow(ids[4], member_id(new_members[1]), ts(20 * 3600 + 1200)),
        orow(ids[7], member_id(buyers[1]), ts(21 * 3600 + 600)),
        orow(ids[8], member_id(new_members[2]), ts(22 * 3600 + 2400, utc=True)),
    ]
    add("orders", valid_orders[0])
    add("orders", valid_orders[1])
    add("orders", orow(ids[2], member_id(0), ts(15 * 3600)), "unknown_member",
        {"order_id": ids[2]}, "member_id")
    add("orders", orow(ids[3], member_id(buyers[0]), f"{cfg.end_date.year}-13-45T99:00:00+08:00"),
        "invalid_timestamp", {"order_id": ids[3]}, "ordered_at")
    add("orders", valid_orders[2])
    add("orders", orow(ids[5], member_id(new_members[0]), ts(16 * 3600)), "duplicate_key",
        {"order_id": ids[5]}, "order_id", "first copy")
    add("orders", orow(ids[6], member_id(new_members[1]), f"{end_s}T20:00:00"), "timestamp_without_offset",
        {"order_id": ids[6]}, "ordered_at")
    add("orders", orow(ids[9], member_id(new_members[2]), ts(19 * 3600), "Paid"),
        "invalid_status", {"order_id": ids[9]}, "status", "codes are case-sensitive")
    add("orders", valid_orders[3])
    add("orders", orow(ids[5], member_id(new_members[0]), ts(16 * 3600 + 60)), "duplicate_key",
        {"order_id": ids[5]}, "order_id", "second copy")
    add("orders", valid_orders[4])
    add("orders", orow(ids[10], member_id(buyers[1]), "9999-12-31T23:59:59+08:00"), "future_timestamp",
        {"order_id": ids[10]}, "ordered_at", "a typo that would make as_of_date 9999-12-31")
    add("orders", orow(ids[11], member_id(buyers[1]), "1999-12-31T10:00:00+08:00"), "before_platform_start",
        {"order_id": ids[11]}, "ordered_at", "before the default platform start 2000-01-01")
    stats.next_order += 12

    # order lines
    def irow(oid: str, ln: int, cat: str = "mother_baby", qty: str = "1", amt: str = "59.90",
             sku: str | None = None, ref: str = "0.00") -> list[str]:
        return [oid, str(ln), sku if sku is not None else f"SKU-{SKU_CODES[CATEGORIES.index(cat)]}-0{ln}42"
                if cat in CATEGORIES else "SKU-XX-0001", cat, qty, amt, ref]

    add("order_items", irow(ids[0], 1, "mother_baby", "2", "128.00"))
    add("order_items", irow(ids[0], 2, "skincare", "1", "89.00", sku=""), "missing_required",
        {"order_id": ids[0], "line_no": "2"}, "sku")
    add("order_items", irow(ids[1], 1, "nutrition_health", "1", "199.00", ref="20.00"))
    add("order_items", irow(ids[1], 2, "food_fresh", "two", "35.50"), "invalid_number",
        {"order_id": ids[1], "line_no": "2"}, "quantity")
    add("order_items", irow(ids[2], 1, "home", "1", "45.00"), "parent_quarantined",
        {"order_id": ids[2], "line_no": "1"}, "order_id", "its order is quarantined (unknown_member)")
    add("order_items", irow(ids[4], 1, "cosmetics", "1", "10.005"))
    add("order_items", irow(ids[4], 2, "cosmetics", "1", "66.00", sku="SKU-CO-0777"))
    add("order_items", [ids[4], "3", "SKU-SK-0888", "Skincare", "1", "120.00", "0.00"], "unknown_category",
        {"order_id": ids[4], "line_no": "3"}, "category_code", "codes are case-sensitive")
    add("order_items", irow(order_id(0), 1, "apparel_bags", "1", "79.00"), "unknown_order",
        {"order_id": order_id(0), "line_no": "1"}, "order_id")
    add("order_items", irow(ids[7], 1, "personal_care", "3", "57.00"))
    add("order_items", irow(ids[7], 2, "personal_care", "0", "19.00"), "out_of_range",
        {"order_id": ids[7], "line_no": "2"}, "quantity", "quantity must be >= 1")
    add("order_items", irow(ids[8], 1, "apparel_bags", "1", "239.00"))
    rounding_row = 6  # ids[4] line 1, written above as the 6th data row

    for file in FILE_ORDER:
        if file in rows:
            cols = ocols if file == "orders" else COLUMNS[file]
            sink = landing.sink(BATCH_BAD, file, cols)
            sink.write([[r[c] for r in rows[file]] for c in range(len(cols))])
            q = sum(1 for b in bad if b["file"] == file)
            landing.count(BATCH_BAD, file, rows=len(rows[file]), valid_rows=valid.get(file, 0),
                          quarantined=q, new_keys=valid.get(file, 0))
    assert {b["reason"] for b in bad} == set(REASON_CODES)
    assert rows["order_items"][rounding_row - 1][5] == "10.005"
    return {
        "bad_rows": bad,
        "valid_added": valid,
        "rounding_cases": [{"batch": BATCH_BAD, "file": "order_items", "row_number": rounding_row,
                            "key": {"order_id": ids[4], "line_no": "1"}, "column": "line_amount",
                            "raw": "10.005", "expected": "10.01", "rule": "half-up to cents"}],
        "extra_columns": [{"batch": BATCH_BAD, "file": "orders", "column": "channel",
                           "expected": "ignored with a warning"}],
    }


# --------------------------------------------------------------------------- post-pass facts


def handover_facts(world: World) -> list[dict[str, Any]]:
    """SPEC 5.6 handover_losses per closed group, computed from the final membership rows."""
    out = []
    ld_j, ld_l = local_day(world.ms_joined), np.where(world.ms_left == NULL, NULL, local_day(world.ms_left))
    for g in np.flatnonzero(world.group_closed != NULL):
        cd = int(local_day(world.group_closed[g]))
        in_g = world.ms_group == g
        roster = np.unique(world.ms_member[in_g & (ld_j <= cd) & ((ld_l == NULL) | (ld_l >= cd))])
        other = (world.ms_group != g) & (ld_j >= cd) & (ld_j <= cd + 30) & np.isin(world.ms_member, roster)
        rehomed = len(np.unique(world.ms_member[other]))
        out.append({
            "group_id": group_id(int(g) + 1), "mentor_id": mentor_id(int(world.group_mentor[g]) + 1),
            "closed_date": str(np.datetime64(cd, "D")), "roster_at_close": len(roster),
            "rehomed_within_30d": rehomed, "lost": len(roster) - rehomed,
            "is_window_complete": cd + 30 <= world.end_day,
        })
    return out


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(
        prog="generate_demo_data.py",
        description="Generate a deterministic Retention Radar landing directory (SPEC §1): "
                    "batch folders of CSV/Parquet files plus manifest.json.",
    )
    p.add_argument("--out", required=True, type=Path, help="landing directory to create (must be empty)")
    p.add_argument("--size", choices=list(PRESETS), default="demo",
                   help="preset: tiny ≈300 members, demo ≈20k (15 months), S 100k, M 300k, L 1M (37 months)")
    p.add_argument("--members", type=int, help="override the preset's member count")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--end-date", default="2024-06-30", help="last local date of the history (default 2024-06-30)")
    p.add_argument("--months", type=int, help="override the preset's history length in months")
    p.add_argument("--bad-rows", action="store_true",
                   help="also write batch_0003_bad_rows with one bad row per reason code")
    p.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv")
    p.add_argument("--force", action="store_true", help="clear a non-empty --out directory first")
    p.add_argument("--chunk-size", type=int, default=50_000,
                   help="members per streamed chunk (part of the output's identity; default 50000)")
    a = p.parse_args(argv)
    preset = PRESETS[a.size]
    members = a.members if a.members is not None else preset.members
    months = a.months if a.months is not None else preset.months
    if members < 20:
        p.error("--members must be at least 20")
    if not 2 <= months <= 240:
        p.error("--months must be between 2 and 240")
    if a.chunk_size < 1000:
        p.error("--chunk-size must be at least 1000")
    try:
        end = date.fromisoformat(a.end_date)
    except ValueError:
        p.error(f"--end-date {a.end_date!r} is not a date (YYYY-MM-DD)")
    return Config(out=a.out, size=a.size, members=members, seed=a.seed, end_date=end, months=months,
                  bad_rows=a.bad_rows, fmt=a.fmt, force=a.force, chunk_size=a.chunk_size, preset=preset)


def prepare_out(cfg: Config) -> None:
    out = cfg.out
    if out.exists() and not out.is_dir():
        raise SystemExit(f"error: --out {out} exists and is not a directory")
    if out.exists() and any(out.iterdir()):
        if not cfg.force:
            raise SystemExit(f"error: --out {out} is not empty; pass --force to clear it "
                             "(everything in it is deleted)")
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def chunk_bounds(world: World, chunk_size: int) -> np.ndarray:
    """Member index boundaries: at most ``chunk_size`` members and about WINDOW_BUDGET
    tenure windows per chunk (early members have many windows), so memory stays flat."""
    n = world.n_members
    windows = (world.end_day - local_day(world.join)) // 30 + 1
    before = np.cumsum(windows) - windows
    idx = np.arange(n)
    cut = (idx % chunk_size == 0) | np.r_[True, np.diff(before // WINDOW_BUDGET) > 0]
    return np.r_[np.flatnonzero(cut), n]


def generate(cfg: Config) -> dict[str, Any]:
    """Write the landing directory for ``cfg``; returns the manifest."""
    t_start = time.perf_counter()
    prepare_out(cfg)
    world = build_world(cfg)
    landing = Landing(cfg.out, cfg.fmt)
    final = write_organisation(cfg, world, landing)
    stats = Stats()
    bounds = chunk_bounds(world, cfg.chunk_size)
    n_chunks = len(bounds) - 1
    for c in range(n_chunks):
        t0 = time.perf_counter()
        a, b = int(bounds[c]), int(bounds[c + 1])
        generate_orders_chunk(cfg, world, a, b, c, landing, stats)
        if n_chunks > 1:
            log(f"chunk {c + 1}/{n_chunks}: members {a + 1:,}-{b:,}, orders so far {stats.orders:,}, "
                f"lines {stats.lines:,} ({time.perf_counter() - t0:.1f}s)")
    final.update(members=world.n_members, orders=stats.orders, order_items=stats.lines)
    bad_info: dict[str, Any] = {"bad_rows": [], "rounding_cases": [], "extra_columns": []}
    if cfg.bad_rows:
        bad_info = write_bad_batch(cfg, world, landing, stats)
        for k, v in bad_info["valid_added"].items():
            final[k] += v
    landing.close()
    manifest = build_manifest(cfg, world, landing, stats, final, bad_info)
    (cfg.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    log(summary(landing, final, time.perf_counter() - t_start))
    return manifest


def build_manifest(cfg: Config, world: World, landing: Landing, stats: Stats, final: dict[str, int],
                   bad_info: dict[str, Any]) -> dict[str, Any]:
    tenure = []
    for ti, tier in enumerate(TIERS):
        for bi in range(13):
            w = int(stats.tenure_windows[ti, bi])
            if w:
                act = int(stats.tenure_active[ti, bi])
                tenure.append({"tier": tier, "tenure_bucket": bi + 1, "windows": w, "active_windows": act,
                               "active_rate": round(act / w, 6), "expected_active_rate": BASELINES[tier][bi],
                               "delta_pp": round((act / w - BASELINES[tier][bi]) * 100, 4)})
    band_w = stats.window_band_counts / max(1, stats.window_band_counts.sum())
    band_m = stats.month_band_counts / max(1, stats.month_band_counts.sum())
    cat = stats.category_cents / max(1, stats.category_cents.sum())
    departures = []
    for info in world.departures:
        j = info["mentor_index"]
        t = info["target_mentor_index"]
        departures.append({
            "mentor_id": mentor_id(j + 1), "left_at": fmt_one_ts(info["closed_at"]),
            "scheduled": info["scheduled"], "in_batch_0002": j in world.last_week_mentors,
            "handover_to": mentor_id(t + 1) if t is not None else None,
        })
    r = lambda x: round(float(x), 6)  # noqa: E731
    ordered = [b for b in (BATCH1, BATCH2, BATCH_BAD) if b in landing.counts]
    batches = {b: {f: landing.counts[b][f] for f in FILE_ORDER if f in landing.counts[b]} for b in ordered}
    return {
        "generator": {"name": "radar.generate", **cfg.manifest_args()},
        "end_date": cfg.end_date.isoformat(),
        "as_of_date": str(np.datetime64(stats.last_order_day, "D")) if stats.last_order_day >= 0 else None,
        "timezone": "Asia/Shanghai",
        "batches": batches,
        "bad_rows": bad_info["bad_rows"],
        "expected_final_counts": {f: int(final[f]) for f in FILE_ORDER},
        "rounding_cases": bad_info["rounding_cases"],
        "extra_columns": bad_info["extra_columns"],
        "expected_tenure_activity": tenure,
        "handover_losses": handover_facts(world),
        "mentor_departures": departures,
        "stats": {
            "tier_share": {"399": r(stats.tier_counts[0] / world.n_members),
                           "199": r(stats.tier_counts[1] / world.n_members)},
            "referred_share": r((world.referrer >= 0).mean()),
            "mentors": world.n_mentors, "groups": world.n_groups,
            "groups_under_10_members_at_start": int((np.bincount(world.g0, minlength=world.n_groups) < 10).sum()),
            "orders": stats.orders, "orders_in_batch_0002": stats.orders_b2,
            "cancelled_share": r(stats.cancelled / max(1, stats.orders)),
            "fully_refunded_order_share": r(stats.fully_refunded_orders / max(1, stats.orders)),
            "purchases": stats.purchases,
            "purchases_per_active_window": r(stats.purchases_in_active_windows / max(1, stats.active_windows)),
            "utc_notation_share": r(stats.utc_written / max(1, stats.orders)),
            "evening_19_30_to_24_share": r(stats.evening_peak / max(1, stats.orders)),
            "near_midnight_23_30_to_00_30_share": r(stats.near_midnight / max(1, stats.orders)),
            "order_lines": stats.lines, "lines_per_order": r(stats.lines / max(1, stats.orders)),
            "partial_refund_line_share": r(stats.partial_refund_lines / max(1, stats.lines)),
            "full_refund_line_share": r(stats.full_refund_lines / max(1, stats.lines)),
            "late_refunds": stats.late_refunds, "late_refunds_to_full": stats.late_refund_to_full,
            "late_refund_max_age_days": stats.late_refund_age_days_max,
            "late_refunds_older_than_90_days": stats.late_refund_over_90_days,
            "spend_band_share_per_active_window": {k: r(v) for k, v in zip(SPEND_BANDS, band_w, strict=True)},
            "spend_band_share_per_active_member_month": {k: r(v) for k, v in zip(SPEND_BANDS, band_m, strict=True)},
            "spend_band_targets": {k: float(v) for k, v in zip(SPEND_BANDS, SPEND_SHARES, strict=True)},
            "category_sales_share": {k: r(v) for k, v in zip(CATEGORIES, cat, strict=True)},
            "sales_yuan": round(stats.sales_cents / 100, 2),
        },
    }


def summary(landing: Landing, final: dict[str, int], seconds: float) -> str:
    lines = [f"wrote {landing.out} in {seconds:.1f}s", f"{'batch':<22}{'file':<20}{'rows':>12}"]
    for batch in sorted(landing.counts):
        for f in FILE_ORDER:
            if f in landing.counts[batch]:
                lines.append(f"{batch:<22}{f:<20}{landing.counts[batch][f]['rows']:>12,}")
    lines.append("expected final counts: " + ", ".join(f"{k}={v:,}" for k, v in final.items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    generate(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
