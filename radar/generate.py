"""Synthetic landing data for Retention Radar (SPEC §1), calibrated to the thesis.

The generator writes a landing directory that the loader reads as-is::

    OUT/batch_0001/{mentors,groups,members,group_memberships,orders,order_items}.csv
    OUT/batch_0002/...              final day's orders, late refunds, last-week handover
    OUT/batch_0003_bad_rows/...     only with --bad-rows: valid rows + one bad row per reason
    OUT/manifest.json               arguments, per-batch row counts, bad rows, expected marts
    OUT/simulation_truth.csv        per member the day she stopped buying for good (the
                                    simulation's answer key; the loader never reads it)

What the simulated world assumes -- every mechanism and parameter, in words -- is
written down in docs/demo_data.md; the constants below carry the same names.

Determinism: ``numpy.random.Generator(PCG64)`` streams derived from --seed (one
per planning step and per member chunk); same arguments give byte-identical
files. Memory stays flat: member-level plans are small arrays; orders and lines
are generated, written and dropped one member chunk at a time (at most
--chunk-size members and about WINDOW_BUDGET tenure windows), and formatted in
slices of WRITE_BATCH rows.
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
KEY_DAYS = 1_000_000  # member index * KEY_DAYS + local day: one sortable key

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
TRUTH_FILE = "simulation_truth"
TRUTH_COLUMNS = ("member_id", "stopped_buying_on")

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
CANCEL_P = (0.068, 0.012)  # extra cancelled order per (active, inactive) window of a buying member
FULL_REFUND_ORDER_P = (0.012, 0.005)  # extra fully refunded paid order per window
PARTIAL_REFUND_LINE_P = 0.03
FULL_REFUND_LINE_P = 0.007  # lines 2+ of purchases only
LATE_REFUND_LINE_P = 0.01
LATE_REFUND_MAX_AGE_DAYS = 180  # after-sales: a late refund comes within half a year of the order
UTC_NOTATION_P = 0.10
REFERRED_P = 0.25
LEAVE_RATE_PER_YEAR = 0.03  # leaving one's group for good (membership), not buying
MOVE_RATE_PER_YEAR = 0.02
MENTOR_DEPARTURE_RATE_PER_YEAR = 0.08

# engagement: latent score per member and tenure window (docs/demo_data.md)
TRAIT_SD = 0.6  # lasting member level (loyalty), N(0, 1) scaled
DEVIATION_SD = 0.8  # window-to-window deviation, AR(1)
ENGAGEMENT_RHO = 0.75  # persistence of the deviation from one window to the next
FADE_MEAN = 0.05  # mean per-window decline of a member's engagement (exponential across members)
MENTOR_EFFECT_SD = 0.12  # engagement shift shared by a mentor's groups
GROUP_EFFECT_SD = 0.12  # and per group: groups differ in health
MENTOR_CAPACITY = 1000  # thesis 3.3: about 1,000 members per mentor (SPEC var mentor_capacity)
OVERLOAD_EFFECT = 0.4  # engagement lost per 100 % of roster above MENTOR_CAPACITY
NO_GROUP_EFFECT = 0.8  # engagement lost while in no group (left it, or lost at a handover)
FIRST_WINDOW_STOP_P = 0.15  # share who stop for good at the end of window 1
MIN_STOP_P = 0.005  # floor of the per-window stopping hazard
STOP_RISK_BETA = 0.8  # relative stopping hazard = exp(-beta * engagement), normalised per cell
COUNT_NOISE_SD = 0.5  # purchases per active window: rank of engagement + this noise
SPEND_ENGAGEMENT_LINK = 0.4  # engaged members spend more (thesis 3.2.1: service quality)
REHOME_P = 0.80  # thesis 3.3.4: ~20 % of a departing mentor's members are lost at handover
REHOME_TRAIT_BETA = 1.0  # loyal members follow the handover more often (logit slope on the trait)
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
    "XL": SizePreset(3_000_000, 37, 2.2, (5, 8), (100, 400)),
}


@dataclass
class Config:
    """The run's settings, from the command line (parse_args) and the size preset."""

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
        """First local date of the history: ``months`` months before the end date, plus one day."""
        return add_months(self.end_date, -self.months) + timedelta(days=1)

    def manifest_args(self) -> dict[str, Any]:
        """The settings as written under ``generator`` in manifest.json."""
        return {
            "size": self.size, "members": self.members, "seed": self.seed,
            "end_date": self.end_date.isoformat(), "months": self.months,
            "start_date": self.start_date.isoformat(), "bad_rows": self.bad_rows,
            "format": self.fmt, "chunk_size": self.chunk_size, "growth": self.preset.growth,
        }


# --------------------------------------------------------------------------- small helpers


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months (the day clipped to the month's last day)."""
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
    """Local (Asia/Shanghai) day number of UTC instants in seconds."""
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
    """One instant as fmt_ts writes it (local '+08:00' notation, or 'Z' when ``utc``)."""
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
    """Cents as yuan strings with two decimals ('12345' -> '123.45')."""
    cents = np.asarray(cents, dtype=np.int64)
    return np.strings.add(np.strings.add(int_str(cents // 100), "."), _lut(2)[cents % 100])


def fmt_ids(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    """Ids as ``prefix`` + the zero-padded number ('M', 7 -> 'M0000007')."""
    return np.strings.add(prefix, int_str(np.asarray(nums, dtype=np.int64), width))


def mentor_id(i: int) -> str:
    """mentor_id of 1-based mentor number ``i`` ('MT0001')."""
    return f"MT{i:04d}"


def group_id(i: int) -> str:
    """group_id of 1-based group number ``i`` ('G00001')."""
    return f"G{i:05d}"


def member_id(i: int) -> str:
    """member_id of 1-based member number ``i`` ('M0000001')."""
    return f"M{i:07d}"


def order_id(i: int) -> str:
    """order_id of 1-based order number ``i`` ('O0000000001')."""
    return f"O{i:010d}"


def log(msg: str) -> None:
    """A progress line on stderr (stdout stays free)."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- output sinks


class Sink:
    """One output table (CSV or Parquet), opened lazily, written in chunks."""

    def __init__(self, path_stem: Path, columns: Sequence[str], fmt: str) -> None:
        """A sink for ``path_stem``.csv/.parquet with these columns; nothing is opened yet."""
        self.path = path_stem.with_suffix("." + fmt)
        self.columns = tuple(columns)
        self.fmt = fmt
        self.rows = 0
        self._fh: Any = None
        self._writer: Any = None

    def _open(self) -> None:
        """Create the file: CSV with its header row, or a zstd Parquet writer of string columns."""
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
        """Close the file, if it was ever opened."""
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
    trait: np.ndarray  # lasting engagement level, N(0, 1)
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
    group_effect: np.ndarray  # engagement shift (mentor + group)
    group_cat_cum: np.ndarray  # cumulative category weights, [group, 8]
    # memberships (rows of the final state)
    ms_member: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_group: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_joined: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_left: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ms_kind: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))  # 0 b1, 1 b1+b2 update, 2 b2 only
    ms_key: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # member * KEY_DAYS + join day
    ms_left_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # local day, big when open
    mentor_load: np.ndarray = field(default_factory=lambda: np.empty((0, 0), np.int32))  # [mentor, day]
    stop_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # never buys from; -1
    departures: list[dict[str, Any]] = field(default_factory=list)
    last_week_mentors: set[int] = field(default_factory=set)

    @property
    def n_members(self) -> int:
        """Number of members."""
        return len(self.join)

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.group_mentor)

    @property
    def n_mentors(self) -> int:
        """Number of mentors."""
        return len(self.mentor_hired)


def plan_members(cfg: Config) -> dict[str, np.ndarray]:
    """Join instants (sorted, strictly increasing), tier index, referrer index and trait."""
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
    return {"join": join, "tier_idx": tier_idx, "referrer": referrer, "trait": rng.standard_normal(n)}


def _group_capacities(rng: np.random.Generator, preset: SizePreset, n: int) -> tuple[np.ndarray, ...]:
    """Capacity, owning mentor and number of every planned group (enough for n members)."""
    glo, ghi = preset.groups_per_mentor
    clo, chi = preset.group_capacity
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
    return np.array(caps), np.array(owner), np.array(number)


def _first_groups(rng: np.random.Generator, cap: np.ndarray, owner: np.ndarray,
                  n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members in join order take consecutive slots, locally shuffled so that neighbouring
    groups fill at the same time. Returns g0, the used groups and their (dense) mentors."""
    window = 2.0 * cap.mean()
    order = np.argsort(np.arange(n) + rng.random(n) * window, kind="stable")
    slot_group = np.searchsorted(np.cumsum(cap), np.arange(n), side="right")
    g0 = np.empty(n, dtype=np.int64)
    g0[order] = slot_group
    used = np.unique(g0)  # drop never reached groups; keep group order
    remap = np.full(len(cap), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    _, group_mentor = np.unique(owner[used], return_inverse=True)
    return remap[g0], used, group_mentor.astype(np.int64)


def _organisation_times(rng: np.random.Generator, join: np.ndarray, g0: np.ndarray,
                        group_mentor: np.ndarray) -> dict[str, np.ndarray]:
    """First membership instants, group creation, mentor hiring and the end of her filling."""
    n, n_groups, n_mentors = len(join), len(group_mentor), int(group_mentor.max()) + 1
    ms0 = join + rng.integers(0, 600, n)  # a few minutes after the fee, same local date
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
    return {"ms0": ms0, "group_created": created, "mentor_hired": hired, "mentor_fill_end": fill_end}


def plan_organisation(cfg: Config, join: np.ndarray) -> dict[str, np.ndarray]:
    """Mentors and groups, and each member's first group (filling groups in join order)."""
    rng = rng_for(cfg.seed, 2)
    cap, owner, number = _group_capacities(rng, cfg.preset, len(join))
    g0, used, group_mentor = _first_groups(rng, cap, owner, len(join))
    n_groups, n_mentors = len(used), int(group_mentor.max()) + 1
    times = _organisation_times(rng, join, g0, group_mentor)
    mentor_eff = rng.normal(0, MENTOR_EFFECT_SD, n_mentors)
    group_effect = mentor_eff[group_mentor] + rng.normal(0, GROUP_EFFECT_SD, n_groups)
    weights = CATEGORY_SHARES[None, :] * np.exp(rng.normal(0, 0.3, (n_groups, len(CATEGORIES))))
    weights /= weights.sum(axis=1, keepdims=True)
    return {
        "g0": g0, "group_mentor": group_mentor, "group_number": number[used],
        "group_kind": rng.integers(0, len(GROUP_KINDS), n_groups),
        "group_effect": group_effect, "group_cat_cum": np.cumsum(weights, axis=1), **times,
    }


def _random_departures(rng: np.random.Generator, world: World) -> np.ndarray:
    """Departure instant per mentor (NULL = stays): a hazard from the day her groups are full."""
    n_m = world.n_mentors
    left = np.full(n_m, NULL, dtype=np.int64)
    wait = rng.exponential(YEAR_S / MENTOR_DEPARTURE_RATE_PER_YEAR, n_m) + 30 * DAY_S
    d_day = local_day(world.mentor_fill_end + wait.astype(np.int64))
    when = midnight(d_day) + 10 * 3600 + rng.integers(0, 9 * 3600, n_m)
    when = np.where(when <= world.mentor_fill_end + DAY_S, when + DAY_S, when)
    rnd = when <= world.end_instant
    left[rnd] = when[rnd]
    return left


def _scheduled_departures(rng: np.random.Generator, world: World, left: np.ndarray) -> list[int]:
    """end-30 (the handover window ends on the end date) and end-3 (lands in batch_0002)."""
    n_m = world.n_mentors
    scheduled: list[int] = []
    for days_before, hour in ((30, 18), (3, 17)):
        d = int(midnight(world.end_day - days_before)) + hour * 3600
        ok = [j for j in range(n_m) if left[j] == NULL and world.mentor_fill_end[j] < d - 7 * DAY_S]
        others = [j for j in range(n_m) if left[j] == NULL and j not in ok]
        if ok and (len(ok) > 1 or others):
            j = int(ok[int(rng.integers(0, len(ok)))])
            left[j] = d
            scheduled.append(j)
    return scheduled


def _handover_targets(rng: np.random.Generator, world: World, scheduled: list[int]) -> dict[int, int]:
    """One other mentor per departure, still employed 31 days later, with groups created by
    then; each closed group hands over to one of her groups. Returns group -> target group."""
    left = world.mentor_left
    targets: dict[int, int] = {}
    for j in np.argsort(np.where(left == NULL, np.iinfo(np.int64).max, left), kind="stable"):
        j = int(j)
        if left[j] == NULL:
            break
        d = int(left[j])
        cand = [b for b in range(world.n_mentors) if b != j and (left[b] == NULL or left[b] > d + 31 * DAY_S)
                and np.any((world.group_mentor == b) & (world.group_created <= d - 3600))]
        info: dict[str, Any] = {"mentor_index": j, "closed_at": d, "scheduled": j in scheduled,
                                "target_mentor_index": None, "forced_lost": j in scheduled}
        if cand:
            b = cand[int(rng.integers(0, len(cand)))]
            info["target_mentor_index"] = b
            tgt = np.flatnonzero((world.group_mentor == b) & (world.group_created <= d - 3600))
            for g in np.flatnonzero(world.group_mentor == j):
                targets[int(g)] = int(tgt[int(rng.integers(0, len(tgt)))])
        world.departures.append(info)
    return targets


def plan_departures(cfg: Config, world: World) -> dict[int, int]:
    """Mentor departures (sets mentor_left / group_closed); returns group -> handover target group."""
    rng = rng_for(cfg.seed, 3)
    left = _random_departures(rng, world)
    scheduled = _scheduled_departures(rng, world, left)
    world.mentor_left = left
    world.group_closed = np.where(left[world.group_mentor] != NULL, left[world.group_mentor], NULL)
    targets = _handover_targets(rng, world, scheduled)
    world.last_week_mentors = {int(j) for j in range(world.n_mentors)
                               if left[j] != NULL and local_day(left[j]) >= world.end_day - 6}
    return targets


def logit_intercept(mean: float, slope: float) -> float:
    """c such that E[sigmoid(c + slope * Z)] = mean for Z ~ N(0, 1) (Gauss-Hermite, bisection)."""
    x, w = np.polynomial.hermite_e.hermegauss(60)
    w = w / w.sum()
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if float(w @ (1 / (1 + np.exp(-(mid + slope * x))))) < mean:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@dataclass
class MoveContext:
    """What one member's membership history needs (see member_history)."""

    rng: np.random.Generator
    end: int
    closed_inf: np.ndarray  # group closing instant, int64 max when open
    targets: dict[int, int]
    lw_groups: set[int]  # groups of mentors leaving in the last week (restated in batch_0002)
    forced: set[int]  # groups that must lose their first member at handover
    created_sorted: np.ndarray
    created_vals: np.ndarray
    rehome_p: np.ndarray  # per member


def _leave_and_move_instants(rng: np.random.Generator, ms0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planned instant of leaving the group for good, and of a mid-month move (day 8-22)."""
    n = len(ms0)
    leave = ms0 + rng.exponential(YEAR_S / LEAVE_RATE_PER_YEAR, n).astype(np.int64)
    move0 = ms0 + rng.exponential(YEAR_S / MOVE_RATE_PER_YEAR, n).astype(np.int64)
    months = local_day(move0).astype("datetime64[D]").astype("datetime64[M]")
    dom = rng.integers(7, 22, n)
    mday = months.astype("datetime64[D]").astype(np.int64) + dom
    move = midnight(mday) + 10 * 3600 + rng.integers(0, 12 * 3600, n)
    late = move <= ms0 + DAY_S
    nxt = (months[late] + 1).astype("datetime64[D]").astype(np.int64) + dom[late]
    move[late] = midnight(nxt) + 10 * 3600
    return leave, move


def _rehome_start(ctx: MoveContext, i: int, g: int, closed: int) -> int | None:
    """Instant member i joins the handover target of closed group g, or None when lost."""
    tgt = ctx.targets.get(g)
    lost = g in ctx.forced
    ctx.forced.discard(g)
    if tgt is None or lost or ctx.rng.random() >= ctx.rehome_p[i]:
        return None
    if ctx.rng.random() < 0.35:  # same local day
        day_end = int(midnight(local_day(closed) + 1)) - 1
        delay = int(ctx.rng.integers(0, max(1, day_end - closed)))
    else:
        delay = int(min(ctx.rng.exponential(6 * DAY_S), 30 * DAY_S))
    start = closed + delay
    return start if start <= ctx.end else None  # else re-homing still pending on the end date


def _move_target(ctx: MoveContext, g: int, when: int) -> int:
    """Another group open at ``when`` (created an hour before, not closing within 2 days), or -1."""
    hi = int(np.searchsorted(ctx.created_vals, when - 3600, side="right"))
    for _ in range(12):
        if hi == 0:
            break
        cg = int(ctx.created_sorted[int(ctx.rng.integers(0, hi))])
        if cg != g and ctx.closed_inf[cg] > when + 2 * DAY_S:
            return cg
    return -1


def member_history(ctx: MoveContext, i: int, g: int, start: int, leave: int,
                   move: int) -> list[tuple[int, int, int, int]]:
    """Membership rows (group, joined, left or NULL, kind) of one member whose first group,
    leaving, move or handover falls before the end: walk her events in time order."""
    inf, rows, moved, kind = np.iinfo(np.int64).max, [], False, 0
    while True:
        c = int(ctx.closed_inf[g])
        cand_leave = leave if leave > start + 60 else inf
        e = min(c, cand_leave, move if (not moved and move > start + 3600) else inf)
        if e > ctx.end:
            rows.append((g, start, int(NULL), kind))
            return rows
        if e == c:  # mentor departure closes the group
            rows.append((g, start, c, 1 if (g in ctx.lw_groups and kind == 0) else kind))
            kind = 2 if g in ctx.lw_groups else kind
            new_start = _rehome_start(ctx, i, g, c)
            if new_start is None:
                return rows
            g, start = ctx.targets[g], new_start
        elif e == cand_leave:  # leaves her group for good
            rows.append((g, start, leave, kind))
            return rows
        else:  # mid-month move to another open group
            moved = True
            new_g = _move_target(ctx, g, move)
            if new_g >= 0:
                rows.append((g, start, move, kind))
                delay = 0 if ctx.rng.random() < 0.5 else int(ctx.rng.integers(60, 6 * 3600))
                g, start = new_g, move + delay


def _move_context(rng: np.random.Generator, world: World, targets: dict[int, int]) -> MoveContext:
    """The MoveContext of the membership walk: closing instants, handover targets, the groups of
    last-week leavers and of forced losses, groups by creation, each member's re-homing chance."""
    created_sorted = np.argsort(world.group_created, kind="stable")
    c = logit_intercept(REHOME_P, REHOME_TRAIT_BETA)
    return MoveContext(
        rng=rng, end=world.end_instant, targets=targets,
        closed_inf=np.where(world.group_closed == NULL, np.iinfo(np.int64).max, world.group_closed),
        lw_groups={int(g) for g in range(world.n_groups) if int(world.group_mentor[g]) in world.last_week_mentors},
        forced={int(g) for info in world.departures if info["forced_lost"]
                for g in np.flatnonzero(world.group_mentor == info["mentor_index"])},
        created_sorted=created_sorted, created_vals=world.group_created[created_sorted],
        rehome_p=1 / (1 + np.exp(-(c + REHOME_TRAIT_BETA * world.trait))),
    )


def simulate_memberships(cfg: Config, world: World, ms0: np.ndarray, targets: dict[int, int]) -> None:
    """Group membership intervals: first group, leaves, mid-month moves, handovers."""
    rng = rng_for(cfg.seed, 4)
    leave, move = _leave_and_move_instants(rng, ms0)
    ctx = _move_context(rng, world, targets)
    affected = np.flatnonzero((leave <= ctx.end) | (move <= ctx.end) | (ctx.closed_inf[world.g0] <= ctx.end))
    simple = np.ones(world.n_members, dtype=bool)
    simple[affected] = False
    extra = [(i, *r) for i in affected.tolist()
             for r in member_history(ctx, i, int(world.g0[i]), int(ms0[i]), int(leave[i]), int(move[i]))]
    ex = np.array(extra, dtype=np.int64).reshape(-1, 5)
    mm = np.concatenate([np.flatnonzero(simple), ex[:, 0]])
    gg = np.concatenate([world.g0[simple], ex[:, 1]])
    jj = np.concatenate([ms0[simple], ex[:, 2]])
    ll = np.concatenate([np.full(int(simple.sum()), NULL, dtype=np.int64), ex[:, 3]])
    kk = np.concatenate([np.zeros(int(simple.sum()), dtype=np.int8), ex[:, 4].astype(np.int8)])
    o = np.lexsort((jj, mm))
    world.ms_member, world.ms_group, world.ms_joined, world.ms_left, world.ms_kind = (
        mm[o], gg[o], jj[o], ll[o], kk[o])
    _check_memberships(world)


def _check_memberships(world: World) -> None:
    """Assert the membership rows are consistent: sorted by member, every interval non-empty, no
    open interval followed by another, no overlaps, nothing after the end, each within its group's life."""
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


def index_memberships(world: World) -> None:
    """Look-ups for the order chunks: a sortable (member, join day) key, local leave days,
    and every mentor's roster size on every day (SPEC §3 roster: joined <= d < left)."""
    j_day = local_day(world.ms_joined)
    open_ = world.ms_left == NULL
    world.ms_key = world.ms_member * KEY_DAYS + j_day
    world.ms_left_day = np.where(open_, np.iinfo(np.int64).max, local_day(world.ms_left))
    n_days = world.end_day - world.start_day + 1
    lo = np.clip(j_day - world.start_day, 0, n_days)
    hi = np.where(open_, n_days, np.clip(world.ms_left_day - world.start_day, 0, n_days))
    mentor = world.group_mentor[world.ms_group]
    width = n_days + 1
    delta = (np.bincount(mentor * width + lo, minlength=world.n_mentors * width)
             - np.bincount(mentor * width + hi, minlength=world.n_mentors * width))
    world.mentor_load = np.cumsum(delta.reshape(world.n_mentors, width), axis=1)[:, :n_days].astype(np.int32)


def build_world(cfg: Config) -> World:
    """Plan everything but the orders: members, mentors, groups, departures and handovers,
    membership intervals and their look-ups (logs a one-line summary)."""
    t0 = time.perf_counter()
    mem = plan_members(cfg)
    org = plan_organisation(cfg, mem["join"])
    end_day = day_number(cfg.end_date)
    world = World(
        start_day=day_number(cfg.start_date), end_day=end_day, end_instant=int(midnight(end_day + 1)) - 1,
        **mem, g0=org["g0"], mentor_hired=org["mentor_hired"], mentor_left=np.empty(0, np.int64),
        mentor_fill_end=org["mentor_fill_end"], group_mentor=org["group_mentor"],
        group_created=org["group_created"], group_closed=np.empty(0, np.int64),
        group_number=org["group_number"], group_kind=org["group_kind"],
        group_effect=org["group_effect"], group_cat_cum=org["group_cat_cum"],
    )
    targets = plan_departures(cfg, world)
    simulate_memberships(cfg, world, org["ms0"], targets)
    index_memberships(world)
    world.stop_day = np.full(world.n_members, -1, dtype=np.int64)  # filled chunk by chunk
    log(f"planned {world.n_members:,} members, {world.n_mentors:,} mentors, {world.n_groups:,} groups, "
        f"{len(world.ms_member):,} memberships, {len(world.departures)} mentor departures "
        f"({time.perf_counter() - t0:.1f}s)")
    return world


# --------------------------------------------------------------------------- writing the organisation


class Landing:
    """All sinks of the landing directory plus per-batch row accounting."""

    def __init__(self, out: Path, fmt: str) -> None:
        """No sinks yet; counts are per batch, then per file, then per counter."""
        self.out, self.fmt = out, fmt
        self.sinks: dict[tuple[str, str], Sink] = {}
        self.counts: dict[str, dict[str, dict[str, int]]] = {}

    def sink(self, batch: str, name: str, columns: Sequence[str] | None = None) -> Sink:
        """The sink of ``name`` in ``batch`` (created on first use; columns default to COLUMNS[name])."""
        key = (batch, name)
        if key not in self.sinks:
            self.sinks[key] = Sink(self.out / batch / name, columns or COLUMNS[name], self.fmt)
        return self.sinks[key]

    def count(self, batch: str, name: str, **kv: int) -> None:
        """Add to the manifest counters (rows, new_keys, ...) of ``name`` in ``batch``."""
        entry = self.counts.setdefault(batch, {}).setdefault(name, {})
        for k, v in kv.items():
            entry[k] = entry.get(k, 0) + int(v)

    def close(self) -> None:
        """Close every sink."""
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
    """Running totals over the order chunks, for the manifest's stats, engagement and tenure blocks."""

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
    stopped_members: int = 0
    calibration_shortfall: int = 0  # windows a cell's quota could not fill (members who stopped)
    window_band_counts: np.ndarray = field(default_factory=lambda: np.zeros(4, np.int64))
    month_band_counts: np.ndarray = field(default_factory=lambda: np.zeros(4, np.int64))
    category_cents: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), np.int64))
    tenure_windows: np.ndarray = field(default_factory=lambda: np.zeros((2, 13), np.int64))
    tenure_active: np.ndarray = field(default_factory=lambda: np.zeros((2, 13), np.int64))
    buying_windows: np.ndarray = field(default_factory=lambda: np.zeros((2, 13), np.int64))
    tier_counts: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))
    sales_cents: int = 0
    last_order_day: int = -1
    next_order: int = 1


def _segment_ids(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: owner index and 0-based position of each element."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - starts[owner]


def _rank_bands(key: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Band index per element: the lowest keys fill band 0 up to its share, and so on
    (shares met exactly up to rounding)."""
    n = len(key)
    bounds = np.floor(np.cumsum(shares) * n + 0.5).astype(np.int64)
    band = np.empty(n, dtype=np.int64)
    band[np.argsort(key, kind="stable")] = np.searchsorted(bounds, np.arange(n), side="right")
    return band


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after local midnight: 60 % 19:30-24:00, 2 % 00:00-01:00, rest 07:00-19:30."""
    u = rng.random(n)
    evening = 19.5 * 3600 + rng.random(n) * 4.5 * 3600
    night = rng.random(n) * 3600
    day = 7 * 3600 + rng.random(n) * 12.5 * 3600
    return np.where(u < 0.60, evening, np.where(u < 0.62, night, day)).astype(np.int64)


def write_members(rng: np.random.Generator, world: World, a: int, b: int, landing: Landing) -> None:
    """members.csv rows of members [a, b) (PII columns are demo values)."""
    n = b - a
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
    tiers_s = np.where(world.tier_idx[a:b] == 0, "399", "199")
    landing.sink(BATCH1, "members").write([mids, tiers_s, fmt_ts(world.join[a:b]), refs, prov, phone, nick])
    landing.count(BATCH1, "members", rows=n, new_keys=n)


@dataclass
class Windows:
    """The 30-day tenure windows (SPEC §3) of one member chunk, member-major."""

    a: int  # first member index of the chunk
    J: np.ndarray  # join local day per member
    K: np.ndarray  # windows per member (up to the one holding the end date)
    tier_m: np.ndarray  # tier index per member
    mem: np.ndarray  # chunk-relative member of each window
    k: np.ndarray  # 1-based tenure month
    start: np.ndarray  # local day of the window's first day
    complete: np.ndarray
    bucket: np.ndarray
    tier: np.ndarray


def tenure_windows(world: World, a: int, b: int) -> Windows:
    """The tenure windows of members [a, b): from each join day in steps of 30 days up to the
    window holding the end date; bucket = tenure month capped at 13."""
    J = local_day(world.join[a:b])
    K = (world.end_day - J) // 30 + 1
    mem, pos = _segment_ids(K)
    start = J[mem] + 30 * pos
    tier_m = world.tier_idx[a:b].astype(np.int64)
    return Windows(a=a, J=J, K=K, tier_m=tier_m, mem=mem, k=pos + 1, start=start,
                   complete=start + 29 <= world.end_day, bucket=np.minimum(pos + 1, 13), tier=tier_m[mem])


def window_environment(world: World, w: Windows) -> np.ndarray:
    """Engagement shift of each window from where the member is on its first day: her group's
    effect (mentor + group) minus the mentor's overload, or the no-group penalty."""
    i = w.a + w.mem
    pos = np.searchsorted(world.ms_key, i * KEY_DAYS + w.start, side="right") - 1
    pos0 = np.maximum(pos, 0)
    in_group = (pos >= 0) & (world.ms_member[pos0] == i) & (world.ms_left_day[pos0] > w.start)
    g = world.ms_group[pos0]
    day = np.clip(w.start - world.start_day, 0, world.mentor_load.shape[1] - 1)
    load = world.mentor_load[world.group_mentor[g], day]
    over = np.maximum(load / MENTOR_CAPACITY - 1.0, 0.0)
    return np.where(in_group, world.group_effect[g] - OVERLOAD_EFFECT * over, -NO_GROUP_EFFECT)


def engagement(rng: np.random.Generator, world: World, w: Windows) -> np.ndarray:
    """Latent engagement per window: trait + environment - fading + an AR(1) deviation."""
    n, max_k = len(w.K), int(w.K.max())
    fade = rng.exponential(FADE_MEAN, n)
    mu = TRAIT_SD * world.trait[w.a + w.mem] + window_environment(world, w) - fade[w.mem] * (w.k - 1)
    eps = rng.standard_normal((n, max_k))
    dev = np.empty_like(eps)
    dev[:, 0] = eps[:, 0]
    s = math.sqrt(1 - ENGAGEMENT_RHO**2)
    for k in range(1, max_k):
        dev[:, k] = ENGAGEMENT_RHO * dev[:, k - 1] + s * eps[:, k]
    return mu + DEVIATION_SD * dev[np.arange(max_k)[None, :] < w.K[:, None]]


def baseline_stop_hazard(max_k: int) -> np.ndarray:
    """[tier, k]: share of the members still buying who stop for good at the start of window k.
    k = 2: FIRST_WINDOW_STOP_P; later the relative fall of the tier's baseline (running
    minimum from bucket 2 on), at least MIN_STOP_P (so beyond bucket 13: MIN_STOP_P)."""
    h = np.full((2, max(max_k, 2) + 1), MIN_STOP_P)
    h[:, :2] = 0.0
    h[:, 2] = FIRST_WINDOW_STOP_P
    run = np.minimum.accumulate(BASE_ARR[:, 1:], axis=1)  # buckets 2..13
    fall = 1 - run[:, 1:] / run[:, :-1]  # windows 3..13
    top = min(13, max_k)
    if top >= 3:
        h[:, 3:top + 1] = np.maximum(MIN_STOP_P, fall[:, :top - 2])
    return h


def stop_windows(rng: np.random.Generator, w: Windows, e: np.ndarray) -> np.ndarray:
    """Per member the window k from whose first day she never buys again (0 = still buying).
    At the end of each window a member still buying stops with the tier's baseline hazard
    times exp(-beta * engagement of that window), normalised to the mean of the members of
    her tier still buying (so the tier's average hazard is the baseline), capped at 1."""
    n, max_k = len(w.K), int(w.K.max())
    hazard = baseline_stop_hazard(max_k)
    offs = np.cumsum(w.K) - w.K
    u = rng.random((n, max_k + 1))
    stop = np.zeros(n, dtype=np.int64)
    for k in range(2, max_k + 1):
        at_risk = np.flatnonzero((w.K >= k) & (stop == 0))
        if len(at_risk) == 0:
            continue
        risk = np.exp(-STOP_RISK_BETA * e[offs[at_risk] + k - 2])
        tier = w.tier_m[at_risk]
        mean = np.bincount(tier, weights=risk, minlength=2) / np.maximum(np.bincount(tier, minlength=2), 1)
        p = np.minimum(hazard[tier, k] * risk / mean[tier], 1.0)
        stop[at_risk[u[at_risk, k] < p]] = k
    return stop


def active_windows(w: Windows, e: np.ndarray, buying: np.ndarray, stats: Stats) -> np.ndarray:
    """Calibration by rank quota: in every cell (tier, bucket, complete?) of the chunk exactly
    round(baseline × windows) windows are active, the most engaged of those still buying."""
    cell = (w.tier * 13 + (w.bucket - 1)) * 2 + w.complete
    order = np.lexsort((np.where(buying, -e, np.inf), cell))
    cell_sorted = cell[order]
    rank = np.arange(len(cell)) - np.searchsorted(cell_sorted, cell_sorted, side="left")
    counts = np.bincount(cell, minlength=52)
    quota = np.floor(np.repeat(BASE_ARR.reshape(-1), 2) * counts + 0.5).astype(np.int64)
    stats.calibration_shortfall += int(np.maximum(quota - np.bincount(cell[buying], minlength=52), 0).sum())
    active = np.empty(len(cell), dtype=bool)
    active[order] = rank < quota[cell_sorted]
    return active & buying


@dataclass
class Orders:
    """Orders of one chunk, sorted by member and instant."""

    win: np.ndarray  # window index
    kind: np.ndarray  # 0 purchase, 1 cancelled, 2 fully refunded
    cents: np.ndarray
    day: np.ndarray
    mem: np.ndarray  # chunk-relative member
    t: np.ndarray  # instant
    tod: np.ndarray  # local seconds after midnight as drawn
    num: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    utc: np.ndarray = field(default_factory=lambda: np.empty(0, bool))


def window_spend(rng: np.random.Generator, w: Windows, e_act: np.ndarray, act: np.ndarray,
                 stats: Stats) -> np.ndarray:
    """Spend (cents) per active window: thesis spend bands met by rank quota on a latent of
    member propensity, noise, tier and engagement; uniform / log-uniform within a band."""
    n_a = len(act)
    propensity = rng.standard_normal(len(w.K))
    latent = (0.6 * propensity[w.mem[act]] + 0.8 * rng.standard_normal(n_a)
              + np.where(w.tier[act] == 0, 0.12, -0.18) + SPEND_ENGAGEMENT_LINK * e_act)
    band = _rank_bands(latent, SPEND_SHARES)
    u = rng.random(n_a)
    stats.window_band_counts += np.bincount(band, minlength=4)
    return np.select(
        [band == 0, band == 1, band == 2],
        [990 + u * (9_999 - 990), np.exp(np.log(10_000) + u * (np.log(49_999) - np.log(10_000))),
         50_000 + u * 49_999],
        np.exp(np.log(100_000) + u * (np.log(350_000) - np.log(100_000))),
    )


def plan_orders(rng: np.random.Generator, w: Windows, e: np.ndarray, active: np.ndarray,
                buying: np.ndarray, stats: Stats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window, kind, cents) of every order: purchases of active windows (more for the more
    engaged), plus cancelled and fully refunded orders of members still buying, on top."""
    act = np.flatnonzero(active)
    n_p = _rank_bands(e[act] + rng.normal(0, COUNT_NOISE_SD, len(act)), ORDERS_PER_ACTIVE_WINDOW_P) + 1
    spend = window_spend(rng, w, e[act], act, stats)
    p_win = np.repeat(act, n_p)
    p_aidx = np.repeat(np.arange(len(act)), n_p)
    wgt = rng.exponential(1.0, len(p_win))
    wsum = np.bincount(p_aidx, weights=wgt, minlength=len(act))
    p_cents = np.rint(spend[p_aidx] * wgt / wsum[p_aidx]).astype(np.int64)
    n_w = len(active)
    c_win = np.flatnonzero(buying & (rng.random(n_w) < np.where(active, CANCEL_P[0], CANCEL_P[1])))
    r_win = np.flatnonzero(buying & (rng.random(n_w) < np.where(active, FULL_REFUND_ORDER_P[0],
                                                                 FULL_REFUND_ORDER_P[1])))
    x_cents = np.rint(np.exp(np.log(2_000) + rng.random(len(c_win) + len(r_win)) * np.log(40))).astype(np.int64)
    stats.active_windows += len(act)
    stats.purchases_in_active_windows += int(n_p.sum())
    kind = np.concatenate([np.zeros(len(p_win), np.int8), np.ones(len(c_win), np.int8),
                           np.full(len(r_win), 2, np.int8)])
    return np.concatenate([p_win, c_win, r_win]), kind, np.concatenate([p_cents, x_cents])


def place_orders(rng: np.random.Generator, world: World, w: Windows, win: np.ndarray, kind: np.ndarray,
                 cents: np.ndarray, stats: Stats) -> Orders:
    """Days and instants: in window 1 orders come early (new members are keen), later uniformly;
    evening peak; an order on the join day comes after the fee. Numbers orders in time order."""
    first_win = w.k[win] == 1
    offset = np.where(first_win, np.floor(30 * rng.beta(0.8, 1.8, len(win))), rng.integers(0, 30, len(win)))
    day = w.start[win] + offset.astype(np.int64)
    keep = day <= world.end_day
    win, kind, cents, day = win[keep], kind[keep], cents[keep], day[keep]
    mem = w.mem[win]
    tod = _time_of_day(rng, len(win))
    t = midnight(day) + tod
    jm = world.join[w.a + mem]
    early = t <= jm
    if early.any():
        day_end = midnight(day[early] + 1) - 1
        room = np.maximum(day_end - jm[early] - 60, 0)
        t[early] = np.minimum(jm[early] + 60 + (rng.random(int(early.sum())) * room).astype(np.int64), day_end)
    srt = np.lexsort((t, mem))
    o = Orders(win=win[srt], kind=kind[srt], cents=cents[srt], day=day[srt], mem=mem[srt], t=t[srt], tod=tod[srt])
    o.num = stats.next_order + np.arange(len(o.t))
    stats.next_order += len(o.t)
    o.utc = rng.random(len(o.t)) < UTC_NOTATION_P
    return o


@dataclass
class Lines:
    """Order lines of one chunk (``o`` = index into Orders)."""

    o: np.ndarray
    line_no: np.ndarray
    cents: np.ndarray
    cat: np.ndarray
    sku_num: np.ndarray
    qty: np.ndarray
    refund: np.ndarray  # as first sent
    partial: np.ndarray
    full: np.ndarray
    late: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    to_full: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    late_refund: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # as re-sent

    @property
    def final_refund(self) -> np.ndarray:
        """Refund amount per line as finally sent (the late re-send where there is one)."""
        return np.where(self.late, self.late_refund, self.refund)


def plan_lines(rng: np.random.Generator, world: World, w: Windows, o: Orders) -> Lines:
    """1-4 lines per order; amounts split the order; category from the member's first group's
    mix; partial refunds (never the whole purchase) and full refunds of lines 2+."""
    n_lines = rng.choice(4, len(o.t), p=LINES_PER_ORDER_P) + 1
    it_o, it_pos = _segment_ids(n_lines)
    line_no = it_pos + 1
    lw = rng.exponential(1.0, len(it_o))
    lsum = np.bincount(it_o, weights=lw, minlength=len(o.t))
    cents = np.maximum(np.rint(o.cents[it_o] * lw / lsum[it_o]).astype(np.int64), 99)
    grp = world.g0[w.a + o.mem[it_o]]
    cat = (rng.random(len(it_o))[:, None] > world.group_cat_cum[grp][:, :-1]).sum(axis=1)
    sku_num = rng.integers(1, 400, len(it_o))
    qty = rng.choice(3, len(it_o), p=QUANTITY_P) + 1
    kind = o.kind[it_o]
    ru = rng.random(len(it_o))
    partial = (kind == 0) & (ru < PARTIAL_REFUND_LINE_P)
    full = (kind == 2) | ((kind == 0) & (line_no >= 2) & (ru >= PARTIAL_REFUND_LINE_P)
                          & (ru < PARTIAL_REFUND_LINE_P + FULL_REFUND_LINE_P))
    refund = np.zeros(len(it_o), dtype=np.int64)
    frac = 0.05 + 0.9 * rng.random(len(it_o))
    refund[partial] = np.clip(np.rint(cents[partial] * frac[partial]), 1, cents[partial] - 1)
    refund[full] = cents[full]
    lines = Lines(o=it_o, line_no=line_no, cents=cents, cat=cat, sku_num=sku_num, qty=qty, refund=refund,
                  partial=partial, full=full)
    late_refunds(rng, world, o, lines)
    return lines


def late_refunds(rng: np.random.Generator, world: World, o: Orders, lines: Lines) -> None:
    """Earlier lines of paid orders at most LATE_REFUND_MAX_AGE_DAYS old re-sent in batch_0002
    with a higher refund (never the whole purchase: line 1 keeps at least a cent)."""
    n = len(lines.o)
    kind = o.kind[lines.o]
    age = world.end_day - o.day[lines.o]
    eligible = (age > 0) & (age <= LATE_REFUND_MAX_AGE_DAYS) & (kind == 0) & (lines.cents - lines.refund >= 2)
    late = eligible & (rng.random(n) < LATE_REFUND_LINE_P)
    late_refund = lines.refund.copy()
    to_full = late & (lines.line_no >= 2) & (rng.random(n) < 0.3)
    part = late & ~to_full
    late_refund[to_full] = lines.cents[to_full]
    step = np.maximum(np.rint((lines.cents - lines.refund) * (0.2 + 0.7 * rng.random(n))), 1).astype(np.int64)
    late_refund[part] = np.minimum(lines.refund[part] + step[part], lines.cents[part] - 1)
    lines.late, lines.to_full, lines.late_refund = late, to_full, late_refund


def order_net(o: Orders, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Net cents per order in the final state (after late refunds) and whether it is a
    purchase (SPEC §3: paid, net > 0); every planned purchase must still be one."""
    net = np.bincount(lines.o, weights=(lines.cents - lines.final_refund).astype(np.float64), minlength=len(o.t))
    purchase = (o.kind != 1) & (net > 0.5)
    assert np.all(purchase[o.kind == 0]), "a purchase lost its net amount"
    return purchase, net


def count_tenure_activity(stats: Stats, w: Windows, o: Orders, purchase: np.ndarray, active: np.ndarray,
                          buying: np.ndarray, end_day: int) -> None:
    """SPEC §5.1 from the purchase rows and the members' join days alone (not from the plan):
    complete windows and active windows per tier × bucket; then checked against the plan."""
    before = stats.tenure_active.copy()
    n_complete = np.maximum((end_day - w.J + 1) // 30, 0)  # windows k with J + 30k - 1 <= end
    for bucket in range(1, 13):
        stats.tenure_windows[:, bucket - 1] += np.bincount(w.tier_m[n_complete >= bucket], minlength=2)
    stats.tenure_windows[:, 12] += np.bincount(w.tier_m, weights=np.maximum(n_complete - 12, 0),
                                               minlength=2).astype(np.int64)
    p_mem, p_day = o.mem[purchase], o.day[purchase]
    k = (p_day - w.J[p_mem]) // 30 + 1
    ok = (p_day >= w.J[p_mem]) & (k <= n_complete[p_mem])
    pairs = np.unique(p_mem[ok] * KEY_DAYS + k[ok])
    mem, kk = pairs // KEY_DAYS, pairs % KEY_DAYS
    np.add.at(stats.tenure_active, (w.tier_m[mem], np.minimum(kk, 13) - 1), 1)
    planned = np.zeros((2, 13), np.int64)
    np.add.at(planned, (w.tier[active & w.complete], w.bucket[active & w.complete] - 1), 1)
    assert np.array_equal(stats.tenure_active - before, planned), "activity differs from the plan"
    np.add.at(stats.buying_windows, (w.tier[buying & w.complete], w.bucket[buying & w.complete] - 1), 1)


def chunk_stats(stats: Stats, w: Windows, o: Orders, lines: Lines, purchase: np.ndarray,
                net: np.ndarray, end_day: int) -> None:
    """Manifest statistics of the chunk's final state."""
    line_net = lines.cents - lines.final_refund
    pl = purchase[lines.o]
    stats.category_cents += np.bincount(lines.cat[pl], weights=line_net[pl],
                                        minlength=len(CATEGORIES)).astype(np.int64)
    stats.sales_cents += int(line_net[pl].sum())
    # calendar-month spend of active member-months (the thesis' 当月消费水平)
    month = o.day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    pm = np.flatnonzero(purchase)
    _, inv = np.unique(o.mem[pm] * 10_000 + month[pm], return_inverse=True)
    m_cents = np.bincount(inv, weights=net[pm])
    stats.month_band_counts += np.bincount(np.searchsorted(SPEND_EDGES_CENTS, m_cents, side="right") - 1,
                                           minlength=4)
    stats.orders += len(o.t)
    stats.cancelled += int((o.kind == 1).sum())
    stats.fully_refunded_orders += int((o.kind == 2).sum())
    stats.purchases += int(purchase.sum())
    stats.utc_written += int(o.utc.sum())
    stats.evening_peak += int((o.tod >= 19.5 * 3600).sum())
    stats.near_midnight += int(((o.tod >= 23.5 * 3600) | (o.tod < 1800)).sum())
    stats.lines += len(lines.o)
    stats.partial_refund_lines += int(lines.partial.sum())
    stats.full_refund_lines += int(lines.full.sum() + lines.to_full.sum())
    stats.late_refunds += int(lines.late.sum())
    stats.late_refund_to_full += int(lines.to_full.sum())
    if lines.late.any():
        age = end_day - o.day[lines.o[lines.late]]
        stats.late_refund_age_days_max = max(stats.late_refund_age_days_max, int(age.max()))
        stats.late_refund_over_90_days += int((age > 90).sum())
    if len(o.t):
        stats.last_order_day = max(stats.last_order_day, int(o.day.max()))
    stats.orders_b2 += int((o.day == end_day).sum())
    stats.lines_b2 += int((o.day[lines.o] == end_day).sum())


def write_orders(landing: Landing, o: Orders, a: int, end_day: int) -> None:
    """batch_0001: orders before the end date; batch_0002: the end date's (sliced formatting
    keeps string memory bounded)."""
    mem_num = o.mem + a + 1
    fd = o.day == end_day
    for batch, sel in ((BATCH1, ~fd), (BATCH2, fd)):
        idx = np.flatnonzero(sel)
        for s0 in range(0, len(idx), WRITE_BATCH):
            i = idx[s0:s0 + WRITE_BATCH]
            landing.sink(batch, "orders").write(
                [fmt_ids("O", o.num[i], 10), fmt_ids("M", mem_num[i], 7), fmt_ts(o.t[i], o.utc[i]),
                 np.where(o.kind[i] == 1, "cancelled", "paid")], plain=True)
        if len(idx):
            landing.count(batch, "orders", rows=len(idx), new_keys=len(idx))


def write_lines(landing: Landing, o: Orders, lines: Lines, end_day: int) -> None:
    """Lines with their order's batch; late refunds re-sent in batch_0002 (upserts)."""
    cat_names, sku_codes = np.array(CATEGORIES), np.array(SKU_CODES)
    final_day = o.day[lines.o] == end_day
    for batch, sel, ref_c in ((BATCH1, ~final_day, lines.refund), (BATCH2, final_day, lines.refund),
                              (BATCH2, lines.late, lines.late_refund)):
        idx = np.flatnonzero(sel)
        for s0 in range(0, len(idx), WRITE_BATCH):
            i = idx[s0:s0 + WRITE_BATCH]
            cat = lines.cat[i]
            sku = np.strings.add(np.strings.add("SKU-", sku_codes[cat]),
                                 np.strings.add("-", int_str(lines.sku_num[i], 4)))
            landing.sink(batch, "order_items").write(
                [fmt_ids("O", o.num[lines.o[i]], 10), int_str(lines.line_no[i]), sku, cat_names[cat],
                 int_str(lines.qty[i]), fmt_money(lines.cents[i]), fmt_money(ref_c[i])], plain=True)
        if len(idx):
            kind_key = "updates" if ref_c is lines.late_refund else "new_keys"
            landing.count(batch, "order_items", rows=len(idx), **{kind_key: len(idx)})


def write_truth(landing: Landing, w: Windows, stop_day: np.ndarray) -> None:
    """simulation_truth.csv: the local date from which each member never buys again (empty
    when she still buys on the end date). Outside the batch folders; the loader ignores it."""
    key = ("", TRUTH_FILE)
    if key not in landing.sinks:
        landing.sinks[key] = Sink(landing.out / TRUTH_FILE, TRUTH_COLUMNS, "csv")
    when = np.where(stop_day >= 0, np.datetime_as_string(stop_day.astype("datetime64[D]")), "")
    landing.sinks[key].write([fmt_ids("M", w.a + np.arange(len(stop_day)) + 1, 7), when], plain=True)


def generate_orders_chunk(cfg: Config, world: World, a: int, b: int, chunk: int,
                          landing: Landing, stats: Stats) -> None:
    """Members [a, b): member rows, their engagement, orders and order lines, written and dropped."""
    rng = rng_for(cfg.seed, 10, chunk)
    write_members(rng, world, a, b, landing)
    stats.members_written += b - a
    stats.tier_counts += np.bincount(world.tier_idx[a:b], minlength=2)
    w = tenure_windows(world, a, b)
    e = engagement(rng, world, w)
    stop = stop_windows(rng, w, e)
    buying = (stop[w.mem] == 0) | (w.k < stop[w.mem])
    active = active_windows(w, e, buying, stats)
    o = place_orders(rng, world, w, *plan_orders(rng, w, e, active, buying, stats), stats)
    lines = plan_lines(rng, world, w, o)
    purchase, net = order_net(o, lines)
    count_tenure_activity(stats, w, o, purchase, active, buying, world.end_day)
    chunk_stats(stats, w, o, lines, purchase, net, world.end_day)
    write_orders(landing, o, a, world.end_day)
    write_lines(landing, o, lines, world.end_day)
    world.stop_day[a:b] = np.where(stop > 0, w.J + 30 * (stop - 1), -1)
    write_truth(landing, w, world.stop_day[a:b])
    stats.stopped_members += int((stop > 0).sum())


# --------------------------------------------------------------------------- bad-row batch


class BadBatch:
    """Rows of batch_0003_bad_rows per file, the manifest entry of every bad row, valid counts."""

    def __init__(self, day: int) -> None:
        """An empty bad batch on local day ``day`` (its midnight instant)."""
        self.day = day  # midnight of the end date
        self.rows: dict[str, list[list[str]]] = {}
        self.bad: list[dict[str, Any]] = []
        self.valid: dict[str, int] = {}

    def ts(self, offset_s: int, utc: bool = False) -> str:
        """Timestamp string ``offset_s`` seconds after the batch day's midnight."""
        return fmt_one_ts(self.day + offset_s, utc)

    def add(self, file: str, row: list[str], reason: str | None = None, key: dict[str, str] | None = None,
            column: str | None = None, note: str = "") -> None:
        """Append ``row`` to ``file``: a valid row when ``reason`` is None, else also its manifest entry
        (reason code, key, offending column and value, note)."""
        self.rows.setdefault(file, []).append(row)
        if reason is None:
            self.valid[file] = self.valid.get(file, 0) + 1
            return
        value = row[COLUMNS[file].index(column)] if column and column in COLUMNS[file] else None
        self.bad.append({"batch": BATCH_BAD, "file": file, "row_number": len(self.rows[file]), "reason": reason,
                         "key": key or {}, "column": column, "value": value, "note": note})


@dataclass
class BadRefs:
    """Existing objects the bad batch refers to (1-based member numbers)."""

    g_ok: int  # an open group
    g_other: int  # another open group
    mentor_ok: int  # a mentor who stays
    overlap_member: int  # member index whose open batch_0001 membership the overlap row hits
    new_members: list[int]
    buyers: list[int]  # existing-member buyers, then new-member buyers
    new_group: int


def bad_refs(world: World, day: int) -> BadRefs:
    """Pick the existing objects the bad rows refer to: an open group (and another), a staying
    mentor, a member with an open batch_0001 membership, quiet buyers, numbers for new members."""
    staying = [j for j in range(world.n_mentors) if world.mentor_left[j] == NULL]
    open_groups = np.flatnonzero((world.group_closed == NULL) & (world.group_created < day - 2 * DAY_S))
    g_ok = int(open_groups[0])
    mentor_ok = int(world.group_mentor[g_ok]) if int(world.group_mentor[g_ok]) in staying else staying[0]
    g_other = int(open_groups[1]) if len(open_groups) > 1 else g_ok
    n_m = world.n_members
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
    # members still buying whose tenure window containing the end date is incomplete: their
    # extra orders change no complete window (the manifest's tenure_activity stays exact)
    J, E = local_day(world.join), world.end_day
    quiet = [int(x) for x in np.flatnonzero(((E - J) % 30 != 29) & (J < E - 40) & (world.stop_day < 0))[:2]]
    new_members = [n_m + 1 + i for i in range(6)]
    return BadRefs(g_ok=g_ok, g_other=g_other, mentor_ok=mentor_ok, overlap_member=int(ov_pool[0]),
                   new_members=new_members, buyers=[q + 1 for q in quiet] + new_members[3:5],
                   new_group=world.n_groups + 1)


def bad_groups_and_members(bb: BadBatch, rng: np.random.Generator, refs: BadRefs, world: World) -> None:
    """Groups: one valid, one closed before created, one unknown mentor. Members: six valid new
    members joined on the end date, one with tier 299."""
    n_g, n_m, mo = world.n_groups, world.n_members, refs.mentor_ok + 1
    gname = f"导师{mo:03d}新人群"
    bb.add("groups", [group_id(refs.new_group), gname, mentor_id(mo), bb.ts(-DAY_S + 10 * 3600), ""])
    bb.add("groups", [group_id(n_g + 2), gname + "B", mentor_id(mo), bb.ts(-2 * DAY_S + 10 * 3600),
                      bb.ts(-2 * DAY_S + 9 * 3600)], "end_before_start", {"group_id": group_id(n_g + 2)},
           "closed_at", "closed_at one hour before created_at")
    bb.add("groups", [group_id(n_g + 3), "无主群", mentor_id(0), bb.ts(-DAY_S + 11 * 3600), ""], "unknown_mentor",
           {"group_id": group_id(n_g + 3)}, "mentor_id")
    mem_rows = [[member_id(num), "399" if i % 2 == 0 else "199", bb.ts(9 * 3600 + i * 900),
                 member_id(1) if i == 1 else "", PROVINCES[i], f"100{int(rng.integers(0, 10**8)):08d}",
                 f"演示新会员{i + 1:04d}"] for i, num in enumerate(refs.new_members)]
    for r in mem_rows[:3]:
        bb.add("members", r)
    bb.add("members", [member_id(n_m + 7), "299", bb.ts(10 * 3600), "", "广东", "", "演示异常档位"], "invalid_tier",
           {"member_id": member_id(n_m + 7)}, "tier")
    for r in mem_rows[3:]:
        bb.add("members", r)


def bad_memberships(bb: BadBatch, refs: BadRefs) -> None:
    """Five valid, one unknown group, one overlapping an existing open membership."""
    nm, g_new, g_ok = refs.new_members, group_id(refs.new_group), group_id(refs.g_ok + 1)
    bb.add("group_memberships", [member_id(nm[0]), g_new, bb.ts(9 * 3600 + 120), ""])
    bb.add("group_memberships", [member_id(nm[1]), g_new, bb.ts(9 * 3600 + 1020), ""])
    bb.add("group_memberships", [member_id(nm[5]), group_id(0), bb.ts(9 * 3600 + 5 * 900 + 60), ""],
           "unknown_group", {"member_id": member_id(nm[5]), "group_id": group_id(0)}, "group_id")
    bb.add("group_memberships", [member_id(nm[2]), g_ok, bb.ts(9 * 3600 + 1860), ""])
    ov_row = [member_id(refs.overlap_member + 1), group_id(refs.g_other + 1), bb.ts(-2 * DAY_S + 12 * 3600),
              bb.ts(-DAY_S + 12 * 3600)]
    bb.add("group_memberships", ov_row, "membership_overlap",
           {"member_id": ov_row[0], "group_id": ov_row[1], "joined_at": ov_row[2]}, "joined_at",
           "the member's open membership loaded in batch_0001 covers this interval")
    bb.add("group_memberships", [member_id(nm[3]), g_ok, bb.ts(9 * 3600 + 2760), ""])
    bb.add("group_memberships", [member_id(nm[4]), g_ok, bb.ts(9 * 3600 + 3660), ""])


def _orow(oid: str, mem: int, when: str, status: str = "paid") -> list[str]:
    """An orders row (with an extra channel column) of order ``oid`` by 1-based member ``mem``."""
    return [oid, member_id(mem), when, status, "wechat_miniapp"]  # + a `channel` column the loader ignores


def bad_orders(bb: BadBatch, refs: BadRefs, ids: list[str], year: int, end_s: str) -> None:
    """The bad batch's orders: five valid ones mixed with one of each orders reason code
    (unknown member, invalid/offset-less/future/too-early timestamps, bad status, duplicate key)."""
    nm, buyers = refs.new_members, refs.buyers
    valid = [_orow(ids[0], nm[0], bb.ts(13 * 3600)), _orow(ids[1], buyers[0], bb.ts(14 * 3600 + 300, utc=True)),
             _orow(ids[4], nm[1], bb.ts(20 * 3600 + 1200)), _orow(ids[7], buyers[1], bb.ts(21 * 3600 + 600)),
             _orow(ids[8], nm[2], bb.ts(22 * 3600 + 2400, utc=True))]
    bb.add("orders", valid[0])
    bb.add("orders", valid[1])
    bb.add("orders", _orow(ids[2], 0, bb.ts(15 * 3600)), "unknown_member", {"order_id": ids[2]}, "member_id")
    bb.add("orders", _orow(ids[3], buyers[0], f"{year}-13-45T99:00:00+08:00"),
           "invalid_timestamp", {"order_id": ids[3]}, "ordered_at")
    bb.add("orders", valid[2])
    bb.add("orders", _orow(ids[5], nm[0], bb.ts(16 * 3600)), "duplicate_key",
           {"order_id": ids[5]}, "order_id", "first copy")
    bb.add("orders", _orow(ids[6], nm[1], f"{end_s}T20:00:00"), "timestamp_without_offset",
           {"order_id": ids[6]}, "ordered_at")
    bb.add("orders", _orow(ids[9], nm[2], bb.ts(19 * 3600), "Paid"),
           "invalid_status", {"order_id": ids[9]}, "status", "codes are case-sensitive")
    bb.add("orders", valid[3])
    bb.add("orders", _orow(ids[5], nm[0], bb.ts(16 * 3600 + 60)), "duplicate_key",
           {"order_id": ids[5]}, "order_id", "second copy")
    bb.add("orders", valid[4])
    bb.add("orders", _orow(ids[10], buyers[1], "9999-12-31T23:59:59+08:00"), "future_timestamp",
           {"order_id": ids[10]}, "ordered_at", "a typo that would make as_of_date 9999-12-31")
    bb.add("orders", _orow(ids[11], buyers[1], "1999-12-31T10:00:00+08:00"), "before_platform_start",
           {"order_id": ids[11]}, "ordered_at", "before the default platform start 2000-01-01")


def _irow(oid: str, ln: int, cat: str = "mother_baby", qty: str = "1", amt: str = "59.90",
          sku: str | None = None, ref: str = "0.00") -> list[str]:
    """An order_items row; the SKU follows the category unless given."""
    if sku is None:
        sku = f"SKU-{SKU_CODES[CATEGORIES.index(cat)]}-0{ln}42" if cat in CATEGORIES else "SKU-XX-0001"
    return [oid, str(ln), sku, cat, qty, amt, ref]


def bad_items(bb: BadBatch, ids: list[str]) -> int:
    """Order lines; returns the row number of the valid half-up rounding case."""
    bb.add("order_items", _irow(ids[0], 1, "mother_baby", "2", "128.00"))
    bb.add("order_items", _irow(ids[0], 2, "skincare", "1", "89.00", sku=""), "missing_required",
           {"order_id": ids[0], "line_no": "2"}, "sku")
    bb.add("order_items", _irow(ids[1], 1, "nutrition_health", "1", "199.00", ref="20.00"))
    bb.add("order_items", _irow(ids[1], 2, "food_fresh", "two", "35.50"), "invalid_number",
           {"order_id": ids[1], "line_no": "2"}, "quantity")
    bb.add("order_items", _irow(ids[2], 1, "home", "1", "45.00"), "parent_quarantined",
           {"order_id": ids[2], "line_no": "1"}, "order_id", "its order is quarantined (unknown_member)")
    bb.add("order_items", _irow(ids[4], 1, "cosmetics", "1", "10.005"))
    rounding_row = len(bb.rows["order_items"])
    bb.add("order_items", _irow(ids[4], 2, "cosmetics", "1", "66.00", sku="SKU-CO-0777"))
    bb.add("order_items", [ids[4], "3", "SKU-SK-0888", "Skincare", "1", "120.00", "0.00"], "unknown_category",
           {"order_id": ids[4], "line_no": "3"}, "category_code", "codes are case-sensitive")
    bb.add("order_items", _irow(order_id(0), 1, "apparel_bags", "1", "79.00"), "unknown_order",
           {"order_id": order_id(0), "line_no": "1"}, "order_id")
    bb.add("order_items", _irow(ids[7], 1, "personal_care", "3", "57.00"))
    bb.add("order_items", _irow(ids[7], 2, "personal_care", "0", "19.00"), "out_of_range",
           {"order_id": ids[7], "line_no": "2"}, "quantity", "quantity must be >= 1")
    bb.add("order_items", _irow(ids[8], 1, "apparel_bags", "1", "239.00"))
    return rounding_row


def write_bad_batch(cfg: Config, world: World, landing: Landing, stats: Stats) -> dict[str, Any]:
    """batch_0003_bad_rows: a few valid new rows plus exactly one bad row per reason code."""
    bb = BadBatch(int(midnight(world.end_day)))
    refs = bad_refs(world, bb.day)
    bad_groups_and_members(bb, rng_for(cfg.seed, 20), refs, world)
    bad_memberships(bb, refs)
    ids = [order_id(stats.next_order + i) for i in range(12)]
    stats.next_order += 12
    bad_orders(bb, refs, ids, cfg.end_date.year, cfg.end_date.isoformat())
    rounding_row = bad_items(bb, ids)
    ocols = COLUMNS["orders"] + ("channel",)
    for file in FILE_ORDER:
        if file in bb.rows:
            cols = ocols if file == "orders" else COLUMNS[file]
            landing.sink(BATCH_BAD, file, cols).write([[r[c] for r in bb.rows[file]] for c in range(len(cols))])
            q = sum(1 for b in bb.bad if b["file"] == file)
            landing.count(BATCH_BAD, file, rows=len(bb.rows[file]), valid_rows=bb.valid.get(file, 0),
                          quarantined=q, new_keys=bb.valid.get(file, 0))
    assert {b["reason"] for b in bb.bad} == set(REASON_CODES)
    assert bb.rows["order_items"][rounding_row - 1][5] == "10.005"
    return {
        "bad_rows": bb.bad,
        "valid_added": bb.valid,
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
    """Read the command line into a Config (preset values unless overridden; checks the ranges)."""
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
    """Make sure ``--out`` exists and is empty; with --force clear what is in it."""
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


def tenure_rows(stats: Stats) -> list[dict[str, Any]]:
    """The expected tenure_activity mart (SPEC §5.1), one row per tier × bucket with windows."""
    rows = []
    for ti, tier in enumerate(TIERS):
        for bi in range(13):
            w = int(stats.tenure_windows[ti, bi])
            if w:
                act = int(stats.tenure_active[ti, bi])
                rows.append({"tier": tier, "tenure_bucket": bi + 1, "windows": w, "active_windows": act,
                             "active_rate": round(act / w, 6), "expected_active_rate": BASELINES[tier][bi],
                             "delta_pp": round((act / w - BASELINES[tier][bi]) * 100, 4)})
    return rows


def departure_rows(world: World) -> list[dict[str, Any]]:
    """The manifest's mentor_departures: who left when, scheduled or not, restated in
    batch_0002 or not, and whom the groups were handed to."""
    rows = []
    for info in world.departures:
        j, t = info["mentor_index"], info["target_mentor_index"]
        rows.append({
            "mentor_id": mentor_id(j + 1), "left_at": fmt_one_ts(info["closed_at"]),
            "scheduled": info["scheduled"], "in_batch_0002": j in world.last_week_mentors,
            "handover_to": mentor_id(t + 1) if t is not None else None,
        })
    return rows


def _share(x: float) -> float:
    """A share rounded to 6 decimals, as a plain float."""
    return round(float(x), 6)


def engagement_stats(world: World, stats: Stats, handover: list[dict[str, Any]]) -> dict[str, Any]:
    """What the engagement model produced (docs/demo_data.md explains each figure)."""
    done = [h for h in handover if h["is_window_complete"]]
    roster = sum(h["roster_at_close"] for h in done)
    buying = np.maximum(stats.buying_windows, 1)
    return {
        "members_stopped_buying_share": _share(stats.stopped_members / max(1, world.n_members)),
        "calibration_shortfall_windows": stats.calibration_shortfall,
        "handover_loss_rate_complete_windows": _share(sum(h["lost"] for h in done) / roster) if roster else None,
        "still_buying_share_of_complete_windows": {
            str(tier): [_share(x) for x in stats.buying_windows[ti] / np.maximum(stats.tenure_windows[ti], 1)]
            for ti, tier in enumerate(TIERS)},
        "active_share_of_still_buying_windows": {
            str(tier): [_share(x) for x in stats.tenure_active[ti] / buying[ti]] for ti, tier in enumerate(TIERS)},
    }


def stats_block(world: World, stats: Stats) -> dict[str, Any]:
    """The manifest's stats: shares and totals of what was generated, to compare with the targets."""
    r = _share
    n_o, n_l = max(1, stats.orders), max(1, stats.lines)
    band_w = stats.window_band_counts / max(1, stats.window_band_counts.sum())
    band_m = stats.month_band_counts / max(1, stats.month_band_counts.sum())
    cat = stats.category_cents / max(1, stats.category_cents.sum())
    return {
        "tier_share": {"399": r(stats.tier_counts[0] / world.n_members), "199": r(stats.tier_counts[1] / world.n_members)},
        "referred_share": r((world.referrer >= 0).mean()),
        "mentors": world.n_mentors, "groups": world.n_groups,
        "groups_under_10_members_at_start": int((np.bincount(world.g0, minlength=world.n_groups) < 10).sum()),
        "orders": stats.orders, "orders_in_batch_0002": stats.orders_b2,
        "cancelled_share": r(stats.cancelled / n_o),
        "fully_refunded_order_share": r(stats.fully_refunded_orders / n_o),
        "purchases": stats.purchases,
        "purchases_per_active_window": r(stats.purchases_in_active_windows / max(1, stats.active_windows)),
        "utc_notation_share": r(stats.utc_written / n_o),
        "evening_19_30_to_24_share": r(stats.evening_peak / n_o),
        "near_midnight_23_30_to_00_30_share": r(stats.near_midnight / n_o),
        "order_lines": stats.lines, "lines_per_order": r(stats.lines / n_o),
        "partial_refund_line_share": r(stats.partial_refund_lines / n_l),
        "full_refund_line_share": r(stats.full_refund_lines / n_l),
        "late_refunds": stats.late_refunds, "late_refunds_to_full": stats.late_refund_to_full,
        "late_refund_max_age_days": stats.late_refund_age_days_max,
        "late_refunds_older_than_90_days": stats.late_refund_over_90_days,
        "spend_band_share_per_active_window": {k: r(v) for k, v in zip(SPEND_BANDS, band_w, strict=True)},
        "spend_band_share_per_active_member_month": {k: r(v) for k, v in zip(SPEND_BANDS, band_m, strict=True)},
        "spend_band_targets": {k: float(v) for k, v in zip(SPEND_BANDS, SPEND_SHARES, strict=True)},
        "category_sales_share": {k: r(v) for k, v in zip(CATEGORIES, cat, strict=True)},
        "sales_yuan": round(stats.sales_cents / 100, 2),
    }


def build_manifest(cfg: Config, world: World, landing: Landing, stats: Stats, final: dict[str, int],
                   bad_info: dict[str, Any]) -> dict[str, Any]:
    """manifest.json: settings, per-batch counts, bad rows, expected final counts and marts,
    handovers, departures, simulation truth and stats."""
    ordered = [b for b in (BATCH1, BATCH2, BATCH_BAD) if b in landing.counts]
    handover = handover_facts(world)
    return {
        "generator": {"name": "radar.generate", **cfg.manifest_args()},
        "end_date": cfg.end_date.isoformat(),
        "as_of_date": str(np.datetime64(stats.last_order_day, "D")) if stats.last_order_day >= 0 else None,
        "timezone": "Asia/Shanghai",
        "batches": {b: {f: landing.counts[b][f] for f in FILE_ORDER if f in landing.counts[b]} for b in ordered},
        "bad_rows": bad_info["bad_rows"],
        "expected_final_counts": {f: int(final[f]) for f in FILE_ORDER},
        "rounding_cases": bad_info["rounding_cases"],
        "extra_columns": bad_info["extra_columns"],
        "expected_tenure_activity": tenure_rows(stats),
        "handover_losses": handover,
        "mentor_departures": departure_rows(world),
        "simulation_truth": {"file": TRUTH_FILE + ".csv", "rows": world.n_members,
                             "columns": list(TRUTH_COLUMNS)},
        "engagement": engagement_stats(world, stats, handover),
        "stats": stats_block(world, stats),
    }


def summary(landing: Landing, final: dict[str, int], seconds: float) -> str:
    """The closing log: output folder, time, rows per batch and file, expected final counts."""
    lines = [f"wrote {landing.out} in {seconds:.1f}s", f"{'batch':<22}{'file':<20}{'rows':>12}"]
    for batch in sorted(landing.counts):
        for f in FILE_ORDER:
            if f in landing.counts[batch]:
                lines.append(f"{batch:<22}{f:<20}{landing.counts[batch][f]['rows']:>12,}")
    lines.append("expected final counts: " + ", ".join(f"{k}={v:,}" for k, v in final.items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: generate the landing directory; returns the exit code 0."""
    cfg = parse_args(argv)
    generate(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
