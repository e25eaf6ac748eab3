"""Early warnings: as-of reproducibility (the mentor's file: test_mentor_tasks.py).

* Reproducibility tests build generated tiny data with ``make run`` into
  temporary warehouses: the same data and as_of twice give identical marts; an
  earlier ``AS_OF=D`` on the full landing, run incrementally on a night-by-night
  warehouse, equals a fresh build whose landing holds only what was known on D
  (rows dated after D removed, later closings blanked), every intermediate and
  mart table; ``is_new`` equals "key absent from the build as of D − 1".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT, assert_same_tables, make_run, one_night, query, reference_build, tables, two_nights

sys.path.insert(0, str(ROOT))


LOCAL = dt.timezone(dt.timedelta(hours=8))  # the generator's Asia/Shanghai (no DST)
MEMBER_MARTS = ("member_segments", "member_segment_history", "early_warnings")


# The mentor's file (radar.alerts) is tested in test_mentor_tasks.py.


# --------------------------------------------------------------------------- reproducibility


def local_date(value: str) -> dt.date:
    return dt.datetime.fromisoformat(value).astimezone(LOCAL).date()


def truncate_landing(src: Path, dst: Path, day: dt.date) -> Path:
    """Copy a landing folder keeping only what was known on `day`: rows that
    start after it are dropped (with their children) and later ends blanked."""
    members_kept: set[str] = set()
    orders_kept: set[str] = set()
    for batch in sorted(p for p in src.iterdir() if p.is_dir()):
        out = dst / batch.name
        out.mkdir(parents=True)
        for name in ("mentors", "groups", "members", "group_memberships", "orders", "order_items"):
            path = batch / f"{name}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                fields, rows = reader.fieldnames, list(reader)
            kept = []
            for row in rows:
                if name == "mentors":
                    if local_date(row["hired_at"]) > day:
                        continue
                    if row["left_at"] and local_date(row["left_at"]) > day:
                        row["left_at"] = ""
                elif name == "groups":
                    if local_date(row["created_at"]) > day:
                        continue
                    if row["closed_at"] and local_date(row["closed_at"]) > day:
                        row["closed_at"] = ""
                elif name == "members":
                    if local_date(row["joined_at"]) > day:
                        continue
                    members_kept.add(row["member_id"])
                elif name == "group_memberships":
                    if row["member_id"] not in members_kept or local_date(row["joined_at"]) > day:
                        continue
                    if row["left_at"] and local_date(row["left_at"]) > day:
                        row["left_at"] = ""
                elif name == "orders":
                    if row["member_id"] not in members_kept or local_date(row["ordered_at"]) > day:
                        continue
                    orders_kept.add(row["order_id"])
                elif row["order_id"] not in orders_kept:
                    continue
                kept.append(row)
            with (out / path.name).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=fields)
                writer.writeheader()
                writer.writerows(kept)
    return dst


def mart_rows(db: Path, mart: str) -> list[tuple]:
    exclude = " exclude (loaded_through_batch)" if mart == "member_segment_history" else ""
    return sorted(query(db, f"select *{exclude} from marts.{mart}"), key=repr)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    return {mart: mart_rows(db, mart) for mart in MEMBER_MARTS}


@pytest.fixture(scope="module")
def repro(tmp_path_factory) -> dict:
    """One generated tiny landing (batch_0002 holds the last day's orders and
    late refunds on months-old orders) built along two paths:

    * fresh: all batches at once, default as_of (the end date E);
    * daily: batch_0001 alone, then batch_0002 arrives (incremental run to E),
      then AS_OF=D (E - 12, an earlier day), then AS_OF=D - 1 — all on one
      warehouse file, as an operator would;
    * known: a landing holding only what was known on D, built with AS_OF=D (a reference
      build, without data tests: conftest.reference_build).
    """
    # batch_0001, then batch_0002 on nightly.duckdb: the daily path's first two runs (conftest.two_nights)
    base = two_nights(tmp_path_factory)
    landing = base / "landing"
    manifest = json.loads((base / "generated" / "manifest.json").read_text(encoding="utf-8"))
    end = dt.date.fromisoformat(manifest["as_of_date"])
    day = end - dt.timedelta(days=12)
    out: dict = {"end": end, "day": day}

    # the same landing built by one run (conftest.one_night)
    out["fresh"] = snapshot(one_night(tmp_path_factory) / "radar.duckdb")

    daily = base / "nightly.duckdb"
    out["daily_end"] = snapshot(daily)
    out["daily_history_batches"] = query(daily, """
        select loaded_through_batch, max(month_end) from marts.member_segment_history group by 1""")
    out["first_late_change"] = query(daily, """
        select min(order_date) from intermediate.int_orders where source_batch = 'batch_0002'""")[0][0]
    make_run(landing, daily, as_of=day.isoformat())
    out["daily_day"] = snapshot(daily)
    out["daily_day_tables"] = tables(daily)
    out["daily_day_months"] = query(daily, "select max(month) from marts.group_health_monthly")[0][0]
    make_run(landing, daily, as_of=(day - dt.timedelta(days=1)).isoformat())
    out["daily_day_before"] = snapshot(daily)

    known = base / "known.duckdb"
    reference_build(truncate_landing(landing, base / "known_on_d", day), known, as_of=day.isoformat())
    out["known_day"] = snapshot(known)
    out["known_day_tables"] = tables(known)
    return out


def test_same_data_and_as_of_give_identical_marts_whatever_the_run_history(repro):
    # fresh build of all batches == batch by batch with an incremental history
    for mart in MEMBER_MARTS:
        assert repro["daily_end"][mart] == repro["fresh"][mart], mart
    assert repro["fresh"]["early_warnings"], "expected some warnings on generated data"


def test_incremental_history_rebuilds_only_months_touched(repro):
    kept = {batch: last for batch, last in repro["daily_history_batches"]}
    # months before the earliest row that batch_0002 touched were not rewritten
    assert "batch_0001" in kept, "expected untouched months to keep their first build"
    assert kept["batch_0001"] < repro["first_late_change"]
    assert kept["batch_0002"] >= repro["first_late_change"]


def test_earlier_as_of_equals_landing_known_on_that_day(repro):
    # AS_OF=D on the full data (after a run at E on the same warehouse) equals
    # a build from only what was known on D
    for mart in MEMBER_MARTS:
        assert repro["daily_day"][mart] == repro["known_day"][mart], mart
    history = repro["daily_day"]["member_segment_history"]
    assert max(row[1] for row in history) < repro["day"], "months after D must be gone"
    assert {row[0] for row in repro["daily_day"]["early_warnings"]} == {repro["day"]}


def test_earlier_as_of_incremental_equals_a_fresh_build_of_what_was_known(repro):
    """The same run, every intermediate and mart table: AS_OF=D on the night-by-night
    warehouse rebuilds incrementally from D's month on and drops the months after it; a
    fresh build (every model whole) of the landing known on D gives the same rows. One
    difference by design: int_roster_intervals keeps a membership's end as landed, so an
    end after D (blanked in the landing known on D) is compared as open."""
    day = repro["day"]
    daily, known = dict(repro["daily_day_tables"]), dict(repro["known_day_tables"])
    assert repro["daily_day_months"] == day.replace(day=1), "months after the cut-off must go"
    name = "intermediate.int_roster_intervals"
    # (member_id, group_id, mentor_id, joined_at_utc, start_date, end_date, tier, join_date)
    assert {len(row) for row in daily[name]} == {8}, daily[name][:1]
    ends_after = [row for row in daily[name] if row[5] is not None and row[5] > day]
    assert ends_after, "expected memberships that end after D (the equality would then say less)"
    daily[name] = sorted((row if row[5] is None or row[5] <= day else (*row[:5], None, *row[6:]))
                         for row in daily[name])
    known[name] = sorted(known[name])
    assert_same_tables(daily, known)


def test_is_new_means_absent_the_day_before(repro):
    def key(row: tuple) -> tuple:  # alert_code, entity_id, category_code, period_month
        return row[1], row[3], row[4], row[5]

    yesterday = {key(row) for row in repro["daily_day_before"]["early_warnings"]}
    today = repro["daily_day"]["early_warnings"]
    assert today
    for row in today:
        assert row[-1] == (key(row) not in yesterday), row
