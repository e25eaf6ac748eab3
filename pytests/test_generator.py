"""Tests of the demo-data generator (radar/generate.py) on its own, without the loader.

Determinism, the manifest's accounting, every injected bad row (re-checked by a
small independent rule checker), batch consistency, the calibration of the
tenure activity rates against the SPEC §4 baselines measured from the raw files,
and the engagement model (docs/demo_data.md): members slow down before they stop
buying, groups differ, members lost at a handover stop more often.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from radar import generate as gen  # noqa: E402

SCRIPT = ROOT / "scripts" / "generate_demo_data.py"
FILES = gen.FILE_ORDER
KEYS = {
    "mentors": ("mentor_id",), "groups": ("group_id",), "members": ("member_id",),
    "group_memberships": ("member_id", "group_id", "joined_at"), "orders": ("order_id",),
    "order_items": ("order_id", "line_no"),
}


def run_generator(out: Path, *args: str) -> dict[str, Any]:
    """In-process run (fast); returns the manifest."""
    assert gen.main(["--out", str(out), *args]) == 0
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gen_tiny") / "landing"
    return out, run_generator(out, "--size", "tiny", "--seed", "11", "--bad-rows")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gen_demo") / "landing"
    return out, run_generator(out, "--size", "demo", "--seed", "42", "--bad-rows")


# --------------------------------------------------------------------------- CLI and determinism


def test_cli_help_and_tiny_is_fast(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    assert "--size" in done.stdout and "--bad-rows" in done.stdout
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path / "t"), "--size", "tiny"],
                   capture_output=True, text=True, check=True)
    assert time.perf_counter() - t0 < 3.0


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path):
    runs = {}
    for name, seed in (("a", "42"), ("b", "42"), ("c", "43")):
        run_generator(tmp_path / name, "--size", "tiny", "--bad-rows", "--seed", seed)
        runs[name] = digests(tmp_path / name)
    assert runs["a"] == runs["b"] and len(runs["a"]) >= 17  # manifest included
    for name in ("batch_0001/members.csv", "batch_0001/orders.csv", "batch_0001/order_items.csv"):
        assert runs["a"][name] != runs["c"][name]


def test_refuses_non_empty_out_unless_force(tmp_path):
    out = tmp_path / "land"
    out.mkdir()
    (out / "stale.txt").write_text("x")
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--size", "tiny"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "not empty" in done.stderr and "--force" in done.stderr
    assert (out / "stale.txt").exists()
    run_generator(out, "--size", "tiny", "--force")
    assert not (out / "stale.txt").exists() and (out / "manifest.json").exists()


def test_parquet_output_has_the_same_rows(tmp_path):
    import pyarrow.parquet as pq

    m_csv = run_generator(tmp_path / "c", "--size", "tiny", "--bad-rows")
    m_pq = run_generator(tmp_path / "p", "--size", "tiny", "--bad-rows", "--format", "parquet")
    assert m_pq["batches"] == m_csv["batches"]
    for batch, files in m_pq["batches"].items():
        for name, info in files.items():
            table = pq.read_table(tmp_path / "p" / batch / f"{name}.parquet")
            assert table.num_rows == info["rows"]
            header, rows = read_rows(tmp_path / "c" / batch / f"{name}.csv")
            assert table.column_names == header
            first = [v if v is not None else "" for v in table.slice(0, 1).to_pylist()[0].values()]
            assert first == rows[0]


# --------------------------------------------------------------------------- manifest accounting


def test_manifest_row_counts_match_files(tiny):
    out, manifest = tiny
    batches = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert batches == ["batch_0001", "batch_0002", "batch_0003_bad_rows"]
    assert list(manifest["batches"]) == batches
    for batch in batches:
        on_disk = {p.stem for p in (out / batch).glob("*.csv")}
        assert on_disk == set(manifest["batches"][batch])
        for name, info in manifest["batches"][batch].items():
            header, rows = read_rows(out / batch / f"{name}.csv")
            assert header[: len(gen.COLUMNS[name])] == list(gen.COLUMNS[name])
            assert len(rows) == info["rows"]
    assert set(manifest["batches"]["batch_0001"]) == set(FILES)


@pytest.mark.parametrize("which", ["tiny", "demo"])
def test_expected_final_counts_are_distinct_valid_keys(which, request):
    out, manifest = request.getfixturevalue(which)
    bad = {(b["batch"], b["file"], b["row_number"]) for b in manifest["bad_rows"]}
    for name in FILES:
        keys: set[tuple[str, ...]] = set()
        for batch in sorted(p.name for p in out.iterdir() if p.is_dir()):
            path = out / batch / f"{name}.csv"
            if not path.exists():
                continue
            header, rows = read_rows(path)
            idx = [header.index(k) for k in KEYS[name]]
            for n, row in enumerate(rows, start=1):
                if (batch, name, n) not in bad:
                    keys.add(tuple(row[i] for i in idx))
        assert len(keys) == manifest["expected_final_counts"][name], name


# --------------------------------------------------------------------------- bad rows


class RuleChecker:
    """Independent, simplified reading of the SPEC §1 row rules (enough for this data)."""

    REQUIRED = {
        "mentors": ("mentor_id", "mentor_name", "hired_at"),
        "groups": ("group_id", "group_name", "mentor_id", "created_at"),
        "members": ("member_id", "tier", "joined_at"),
        "group_memberships": ("member_id", "group_id", "joined_at"),
        "orders": ("order_id", "member_id", "ordered_at", "status"),
        "order_items": gen.COLUMNS["order_items"],
    }
    TS = {"mentors": ("hired_at", "left_at"), "groups": ("created_at", "closed_at"), "members": ("joined_at",),
          "group_memberships": ("joined_at", "left_at"), "orders": ("ordered_at",)}
    INTS = {"members": ("tier",), "order_items": ("line_no", "quantity")}
    MONEY = {"order_items": ("line_amount", "refunded_amount")}
    FK = {"groups": (("mentor_id", "mentors"),), "group_memberships": (("member_id", "members"), ("group_id", "groups")),
          "orders": (("member_id", "members"),), "order_items": (("order_id", "orders"),)}

    def __init__(self) -> None:
        self.loaded: dict[str, set[str]] = defaultdict(set)
        self.intervals: dict[str, dict[tuple[str, str, datetime], datetime | None]] = defaultdict(dict)
        self.quarantined: dict[str, set[str]] = defaultdict(set)

    @staticmethod
    def ts(v: str) -> datetime:
        return datetime.fromisoformat(v)

    def faults(self, name: str, r: dict[str, str], dup: bool) -> set[str]:
        f: set[str] = set()
        if any(r[c] == "" for c in self.REQUIRED[name]):
            f.add("missing_required")
        for c in self.INTS.get(name, ()):
            if r[c] and not re.fullmatch(r"-?\d+", r[c]):
                f.add("invalid_number")
        for c in self.MONEY.get(name, ()):
            try:
                Decimal(r[c]) if r[c] else None
            except InvalidOperation:
                f.add("invalid_number")
        for c in self.TS.get(name, ()):
            if r[c]:
                try:
                    value = self.ts(r[c])
                    if "T" not in r[c]:  # a date alone is not a timestamp
                        f.add("invalid_timestamp")
                    elif value.tzinfo is None:
                        f.add("timestamp_without_offset")
                    elif value > datetime.now(UTC) + timedelta(days=1):  # the loader's time gate
                        f.add("future_timestamp")
                    elif value < datetime(2000, 1, 1, tzinfo=UTC):
                        f.add("before_platform_start")
                except ValueError:
                    f.add("invalid_timestamp")
        if f:
            return f
        if name == "members" and r["tier"] not in ("199", "399"):
            f.add("invalid_tier")
        if name == "orders" and r["status"] not in ("paid", "cancelled"):
            f.add("invalid_status")
        if name == "order_items":
            if r["category_code"] not in gen.CATEGORIES:
                f.add("unknown_category")
            la, ra = Decimal(r["line_amount"]), Decimal(r["refunded_amount"])
            if int(r["line_no"]) < 1 or int(r["quantity"]) < 1 or la < 0 or ra < 0 or ra > la:
                f.add("out_of_range")
        pairs = {"mentors": ("hired_at", "left_at"), "groups": ("created_at", "closed_at"),
                 "group_memberships": ("joined_at", "left_at")}
        if name in pairs and r[pairs[name][1]] and self.ts(r[pairs[name][1]]) <= self.ts(r[pairs[name][0]]):
            f.add("end_before_start")
        if dup:
            f.add("duplicate_key")
        for col, parent in self.FK.get(name, ()):
            if r[col] not in self.loaded[parent]:
                f.add("parent_quarantined" if r[col] in self.quarantined[parent] else "unknown_" + parent[:-1])
        if name == "group_memberships" and not f:
            j, left = self.ts(r["joined_at"]), self.ts(r["left_at"]) if r["left_at"] else None
            for (_m, g, j2), l2 in self.intervals[r["member_id"]].items():
                if (g, j2) != (r["group_id"], j) and j2 < (left or datetime.max.replace(tzinfo=j.tzinfo)) \
                        and j < (l2 or datetime.max.replace(tzinfo=j.tzinfo)):
                    f.add("membership_overlap")
        return f

    def load(self, name: str, r: dict[str, str]) -> None:
        self.loaded[name].add(r[KEYS[name][0]] if name != "group_memberships" else r["member_id"])
        if name == "group_memberships":
            j = self.ts(r["joined_at"])
            self.intervals[r["member_id"]][(r["member_id"], r["group_id"], j)] = (
                self.ts(r["left_at"]) if r["left_at"] else None)


def test_every_bad_row_is_present_with_exactly_its_fault(tiny):
    out, manifest = tiny
    bad = manifest["bad_rows"]
    assert Counter(b["reason"] for b in bad) == {r: (2 if r == "duplicate_key" else 1) for r in gen.REASON_CODES}
    by_pos = {(b["batch"], b["file"], b["row_number"]): b for b in bad}
    assert len(by_pos) == len(bad)
    checker = RuleChecker()
    for batch in sorted(p.name for p in out.iterdir() if p.is_dir()):
        for name in FILES:
            path = out / batch / f"{name}.csv"
            if not path.exists():
                continue
            header, rows = read_rows(path)
            recs = [dict(zip(header, row, strict=True)) for row in rows]
            keys = Counter(tuple(r[k] for k in KEYS[name]) for r in recs)
            for n, r in enumerate(recs, start=1):
                if name == "group_memberships" and batch != "batch_0003_bad_rows":
                    # upserts of earlier keys replace the old interval before the check
                    checker.intervals[r["member_id"]].pop(
                        (r["member_id"], r["group_id"], checker.ts(r["joined_at"])), None)
                found = checker.faults(name, r, keys[tuple(r[k] for k in KEYS[name])] > 1)
                entry = by_pos.get((batch, name, n))
                if entry is None:
                    assert not found, f"{batch}/{name} row {n} unexpectedly breaks {found}: {r}"
                    checker.load(name, r)
                else:
                    assert found == {entry["reason"]}, f"{batch}/{name} row {n}: {found} != {entry['reason']}"
                    for k, v in entry["key"].items():
                        assert r[k] == v
                    if entry["column"] in r:
                        assert r[entry["column"]] == entry["value"]
                    checker.quarantined[name].add(r[KEYS[name][0]])
    # the valid rounding case and the ignored extra column are where the manifest says
    (case,) = manifest["rounding_cases"]
    header, rows = read_rows(out / case["batch"] / f"{case['file']}.csv")
    assert rows[case["row_number"] - 1][header.index("line_amount")] == "10.005"
    assert (case["batch"], case["file"], case["row_number"]) not in by_pos
    (extra,) = manifest["extra_columns"]
    header, _ = read_rows(out / extra["batch"] / f"{extra['file']}.csv")
    assert header == list(gen.COLUMNS[extra["file"]]) + [extra["column"]]


# --------------------------------------------------------------------------- batches and calibration


_LOCAL_DAY = "cast(floor((epoch(cast({c} as timestamptz)) + 28800) / 86400) as integer)"


@pytest.fixture(scope="module")
def demo_db(demo) -> duckdb.DuckDBPyConnection:
    """Batches 1 and 2 of the demo landing, upserted by key, with local days (UTC+8)."""
    out, _ = demo
    con = duckdb.connect()

    def union(name: str) -> str:
        parts = [f"select *, {i} as _b from read_csv('{out / b / (name + '.csv')}', all_varchar = true)"
                 for i, b in enumerate(("batch_0001", "batch_0002")) if (out / b / f"{name}.csv").exists()]
        return " union all by name ".join(parts)

    local_day = _LOCAL_DAY
    con.execute(f"create table raw_orders as {union('orders')}")
    con.execute(f"create table raw_items as {union('order_items')}")
    con.execute(f"create table raw_ms as {union('group_memberships')}")
    con.execute(f"""create table orders as select order_id, member_id, status, _b, ordered_at,
                    {local_day.format(c='ordered_at')} as d from raw_orders""")
    con.execute("""create table items as select order_id, cast(line_no as int) as line_no,
                   cast(line_amount as decimal(18, 2)) as amt, cast(refunded_amount as decimal(18, 2)) as ref
                   from raw_items qualify row_number() over (partition by order_id, line_no order by _b desc) = 1""")
    con.execute(f"""create table members as select member_id, cast(tier as int) as tier,
                    {local_day.format(c='joined_at')} as jd from ({union("members")})""")
    con.execute("""create table purchases as select o.member_id, o.d from orders o join items i using (order_id)
                   where o.status = 'paid' group by o.order_id, o.member_id, o.d having sum(i.amt - i.ref) > 0""")
    return con


def test_batches_split_on_the_end_date(demo, demo_db):
    out, manifest = demo
    end = gen.day_number(datetime.fromisoformat(manifest["end_date"]).date())
    per_batch = demo_db.execute("select _b, min(d), max(d), count(*) from orders group by _b order by _b").fetchall()
    assert per_batch[0][2] == end - 1 and per_batch[1][1] == per_batch[1][2] == end
    # some orders are written in UTC; some of those fall on the next local day (midnight edge)
    z = demo_db.execute("""select count(*), count(*) filter (where cast(substr(ordered_at, 1, 10) as date)
                             - date '1970-01-01' <> d) from orders where ordered_at like '%Z'""").fetchone()
    total = demo_db.execute("select count(*) from orders").fetchone()[0]
    assert 0.08 < z[0] / total < 0.12 and z[1] > 0
    # late refunds: re-sent lines of earlier orders, refund raised but never above the line amount
    late = demo_db.execute("""
        select count(*), count(*) filter (where n.ref <= o.ref or n.ref > n.amt),
               max(e.d) - min(e.d)
        from (select * from raw_items where _b = 1) n0
        join items n on n.order_id = n0.order_id and n.line_no = cast(n0.line_no as int)
        join (select order_id, line_no, cast(refunded_amount as decimal(18, 2)) ref from raw_items where _b = 0) o
          on o.order_id = n0.order_id and cast(o.line_no as int) = n.line_no
        join orders e on e.order_id = n0.order_id""").fetchone()
    assert late[0] == manifest["stats"]["late_refunds"] > 0 and late[1] == 0 and late[2] > 90
    assert demo_db.execute("select count(*) from items where ref > amt or ref < 0 or amt <= 0").fetchone()[0] == 0
    shares = manifest["stats"]
    assert 0.03 < shares["cancelled_share"] < 0.05 and 0.55 < shares["evening_19_30_to_24_share"] < 0.65


def test_memberships_never_overlap_and_handover_has_data(demo, demo_db):
    _, manifest = demo
    overlaps = demo_db.execute("""
        with m as (select row_number() over () as id, member_id, group_id,
                          cast(joined_at as timestamptz) j, cast(left_at as timestamptz) l
                   from raw_ms qualify row_number() over (partition by member_id, group_id, joined_at
                                                          order by _b desc) = 1)
        select (select count(*) from m where l is not null and l <= j)
             + (select count(*) from m a join m b on a.member_id = b.member_id and a.id < b.id
                where a.j < coalesce(b.l, timestamptz '9999-01-01')
                  and b.j < coalesce(a.l, timestamptz '9999-01-01'))""").fetchone()[0]
    assert overlaps == 0
    end = datetime.fromisoformat(manifest["end_date"]).date()
    complete = [h for h in manifest["handover_losses"] if h["is_window_complete"]]
    assert any(h["lost"] > 0 and (end - datetime.fromisoformat(h["closed_date"]).date()).days == 30
               for h in complete)
    assert any(d["in_batch_0002"] for d in manifest["mentor_departures"])
    # thesis 3.3.4: about 20 % of a departing mentor's members are lost at the handover
    lost = sum(h["lost"] for h in complete)
    assert 0.15 <= lost / sum(h["roster_at_close"] for h in complete) <= 0.25


def test_tenure_activity_calibration_within_3pp(demo, demo_db):
    _, manifest = demo
    end = gen.day_number(datetime.fromisoformat(manifest["end_date"]).date())
    rows = demo_db.execute(f"""
        with w as (
            select member_id, tier, jd, unnest(range(1, ({end} - jd) // 30 + 2)) as k from members
        ), act as (
            select distinct p.member_id, (p.d - m.jd) // 30 + 1 as k
            from purchases p join members m using (member_id) where p.d >= m.jd
        )
        select w.tier, least(w.k, 13) as bucket, count(*) as windows,
               count(act.member_id) as active_windows
        from w left join act using (member_id, k)
        where w.jd + 30 * w.k - 1 <= {end}
        group by all order by w.tier desc, bucket""").fetchall()
    measured = {(t, b): (n, act) for t, b, n, act in rows}
    expected = {(r["tier"], r["tenure_bucket"]): (r["windows"], r["active_windows"])
                for r in manifest["expected_tenure_activity"]}
    assert measured == expected  # the manifest's expectation is exact
    big = 0
    print("\ntier bucket windows active_rate baseline delta_pp")
    for (tier, bucket), (n, act) in sorted(measured.items(), key=lambda x: (-x[0][0], x[0][1])):
        base = gen.BASELINES[tier][bucket - 1]
        print(f"{tier} {bucket:>2} {n:>6} {act / n:.4f} {base:.2f} {(act / n - base) * 100:+.2f}")
        if n >= 500:
            big += 1
            assert abs(act / n - base) <= 0.03, (tier, bucket, act / n, base)
    assert big >= 20  # nearly every tier x bucket cell is tested at demo size
    s = manifest["stats"]
    assert abs(s["tier_share"]["399"] - 0.6) < 0.02 and abs(s["referred_share"] - 0.25) < 0.02
    for band, target in s["spend_band_targets"].items():
        assert abs(s["spend_band_share_per_active_window"][band] - target) < 0.01
    cat = s["category_sales_share"]
    assert abs(cat["mother_baby"] - 0.20) < 0.03 and abs(cat["skincare"] + cat["cosmetics"] - 0.18) < 0.03
    assert abs(cat["nutrition_health"] - 0.17) < 0.03
    assert 1.7 < s["purchases_per_active_window"] < 1.9


# --------------------------------------------------------------------------- engagement model


@pytest.fixture(scope="module")
def truth(demo, demo_db) -> duckdb.DuckDBPyConnection:
    """demo_db plus the simulation's answer key: the local day each member stopped buying."""
    out, manifest = demo
    assert manifest["simulation_truth"]["file"] == "simulation_truth.csv"
    demo_db.execute(f"""create or replace table truth as
        select member_id, cast(nullif(stopped_buying_on, '') as date) - date '1970-01-01' as sd
        from read_csv('{out / "simulation_truth.csv"}', all_varchar = true)""")
    return demo_db


def test_members_slow_down_before_they_stop_buying(truth):
    """Among members who stopped at least 120 days after joining, purchases in the 60 days
    before stopping are clearly fewer than in their first 60 days; none after stopping."""
    n, first, before, after = truth.execute("""
        with s as (select m.member_id, m.jd, t.sd from members m join truth t using (member_id)
                   where t.sd - m.jd >= 120),
        c as (select s.member_id,
                     count(p.d) filter (where p.d between s.jd and s.jd + 59) as first_60,
                     count(p.d) filter (where p.d between s.sd - 60 and s.sd - 1) as before_60,
                     count(p.d) filter (where p.d >= s.sd) as after
              from s left join purchases p using (member_id) group by s.member_id)
        select count(*), avg(first_60), avg(before_60), sum(after) from c""").fetchone()
    assert n >= 500
    assert after == 0
    assert before < 0.85 * first, (before, first)
    # stopping members are a minority, and no member row is missing from the answer key
    stopped, members = truth.execute("select count(sd), count(*) from truth").fetchone()
    assert members == truth.execute("select count(*) from members").fetchone()[0]
    assert 0.1 < stopped / members < 0.5


def test_groups_differ_in_activity(truth):
    """Group effect: within each group split members by id parity; the two halves' activity
    relative to the tenure baseline agrees across groups (no group effect: correlation ~ 0)."""
    end = truth.execute("select max(d) from orders").fetchone()[0]
    base = {tier: list(rates) for tier, rates in gen.BASELINES.items()}
    corr, groups = truth.execute(f"""
        with first_group as (
            select member_id, group_id from raw_ms
            qualify row_number() over (partition by member_id order by cast(joined_at as timestamptz), _b) = 1
        ), w as (
            select member_id, tier, unnest(range(1, ({end} - jd + 1) // 30 + 1)) as k from members
        ), act as (
            select distinct p.member_id, (p.d - m.jd) // 30 + 1 as k
            from purchases p join members m using (member_id) where p.d >= m.jd
        ), r as (
            select g.group_id, cast(substr(w.member_id, 2) as int) % 2 as half,
                   (act.k is not null)::int - (case w.tier when 399 then {base[399]} else {base[199]} end)[least(w.k, 13)]
                       as residual
            from w join first_group g using (member_id) left join act using (member_id, k)
        ), g as (
            select group_id, avg(residual) filter (where half = 0) as a, avg(residual) filter (where half = 1) as b,
                   count(*) filter (where half = 0) as n0, count(*) filter (where half = 1) as n1
            from r group by 1
        )
        select corr(a, b), count(*) from g where n0 >= 200 and n1 >= 200""").fetchone()
    assert groups >= 40
    assert corr > 0.3, corr


def test_members_lost_at_handover_stop_buying_more_often(demo, truth):
    """Of the members of a closed group still buying at its close, those not re-homed within 30
    days stop within 120 days after the close clearly more often than those re-homed."""
    _, manifest = demo
    closed = [(h["group_id"], h["closed_date"]) for h in manifest["handover_losses"]]
    truth.execute("create or replace table closed (group_id varchar, cd date)")
    truth.executemany("insert into closed values (?, ?)", closed)
    end = truth.execute("select max(d) from orders").fetchone()[0]
    rows = dict((r[0], r[1:]) for r in truth.execute(f"""
        with ms as (
            select member_id, group_id, {_LOCAL_DAY.format(c="joined_at")} as j, {_LOCAL_DAY.format(c="left_at")} as l
            from raw_ms qualify row_number() over (partition by member_id, group_id, joined_at order by _b desc) = 1
        ), c as (
            select group_id, cd - date '1970-01-01' as cd from closed where cd - date '1970-01-01' + 120 <= {end}
        ), roster as (
            select distinct ms.member_id, c.group_id, c.cd from ms join c using (group_id)
            where ms.j <= c.cd and (ms.l is null or ms.l >= c.cd)
        ), x as (
            select roster.*, t.sd, exists (select 1 from ms o where o.member_id = roster.member_id
                and o.group_id <> roster.group_id and o.j between roster.cd and roster.cd + 30) as rehomed
            from roster join truth t using (member_id)
        )
        select rehomed, count(*), avg((sd is not null and sd <= cd + 120)::int) from x
        where sd is null or sd > cd group by 1""").fetchall())
    (n_lost, lost_rate), (n_kept, kept_rate) = rows[False], rows[True]
    assert n_lost >= 100 and n_kept >= 300
    assert lost_rate > 1.4 * kept_rate, (lost_rate, kept_rate)


CHECK_LENGTH = ROOT / "scripts" / "check_function_length.py"


def check_length(*args: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/check_function_length.py with ``args``."""
    return subprocess.run([sys.executable, str(CHECK_LENGTH), *args],
                          capture_output=True, text=True, timeout=60)


def synthetic_function(name: str, lines: int, decorator: str, indent: str = "") -> str:
    """Source of a decorated function ``lines`` long from its ``def`` to its last line."""
    body = [f"{indent}    x{i} = {i}" for i in range(lines - 2)]
    source = [f"{indent}{decorator}", f"{indent}def {name}():", *body, f"{indent}    return 0"]
    return "\n".join(source) + "\n"


def test_generator_functions_are_short():
    """Issue 15: every function of the generator fits on a screen (<= 60 lines), as `make lint` checks."""
    result = check_length("--max", "60", str(ROOT / "radar" / "generate.py"))
    assert result.returncode == 0, result.stderr


def test_function_length_check_finds_61_lines_and_passes_60(tmp_path: Path):
    """The check itself: a 61-line function (nested in a class) fails with file:line name length,
    a 60-line one passes; directories are searched."""
    long_src = tmp_path / "long.py"
    long_src.write_text("class Holder:\n" + synthetic_function("too_long", 61, "@staticmethod", "    "),
                        encoding="utf-8")
    result = check_length("--max", "60", str(long_src))
    assert result.returncode == 1
    assert f"{long_src}:3 Holder.too_long 61 lines" in result.stderr
    long_src.unlink()
    (tmp_path / "pkg").mkdir()
    fits = "import functools\n\n\n" + synthetic_function("just_fits", 60, "@functools.cache")
    (tmp_path / "pkg" / "ok.py").write_text(fits, encoding="utf-8")
    result = check_length("--max", "60", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert check_length("--max", "59", str(tmp_path)).returncode == 1


def test_baseline_stop_hazard_reads_the_thesis_table():
    """Worked by hand from SPEC §4: 15 % after window 1; then the relative fall of the tier's
    row (running minimum from bucket 2); at least 0.5 %; chunks with only 1-2 windows work."""
    h = gen.baseline_stop_hazard(15)
    assert h.shape == (2, 16) and (h[:, :2] == 0).all() and (h[:, 2] == 0.15).all()
    assert h[0, 3] == 0.005  # 399: .65 -> .65, no fall: the floor
    assert h[0, 4] == pytest.approx(1 - 0.58 / 0.65)
    assert h[1, 3] == pytest.approx(1 - 0.55 / 0.57)
    assert h[1, 13] == pytest.approx(1 - 0.36 / 0.37)
    assert (h[:, 14:] == 0.005).all()  # bucket 13 pools windows 13+: the table no longer falls
    assert gen.baseline_stop_hazard(1).shape == (2, 3) and gen.baseline_stop_hazard(2)[0, 2] == 0.15
