"""Early warnings: the mentor CSV export and as-of reproducibility.

* Export tests run on a small hand-made ``marts.early_warnings`` table (fast,
  every case spelled out) and once on a real warehouse built from generated
  tiny data.
* Reproducibility tests build generated tiny data with ``make run`` into
  temporary warehouses: the same data and as_of twice give identical marts; an
  earlier ``AS_OF=D`` on the full landing equals a build whose landing holds
  only what was known on D (rows dated after D removed, later closings blanked);
  ``is_new`` equals "key absent from the build as of D − 1".
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, copy_landing, generate, make_run, query

sys.path.insert(0, str(ROOT))

from radar.alerts import CSV_COLUMNS, NO_MENTOR, export, summary  # noqa: E402

BOM = b"\xef\xbb\xbf"
LOCAL = dt.timezone(dt.timedelta(hours=8))  # the generator's Asia/Shanghai (no DST)
MEMBER_MARTS = ("member_segments", "member_segment_history", "early_warnings")


# --------------------------------------------------------------------------- export, hand-made mart

HAND_ROWS = [
    # as_of, code, entity_type, entity_id, category, period, mentor, severity, rank, name, message, action, is_new
    ("recall_due", "member", "M3", None, None, "T1", "low", 3, "今日召回", "已31天未购买，请联系会员。", "personal_recall", True),
    ("entered_churn", "member", "M2", None, None, "T1", "high", 1, "进入流失", "已连续91天没有购买。", "no_further_spend", True),
    ("spend_drop", "member", "M1", None, None, "T1", "medium", 2, "消费下降", "近30天消费75.00元。", "personal_recall", True),
    ("category_gap", "group", "G1", "skincare", dt.date(2024, 5, 1), "T1", "low", 3, "品类短板", "「护肤」品类。", "category_push", True),
    ("entered_churn", "member", "M0", None, None, "T1", "high", 1, "进入流失", "已连续91天没有购买。", "no_further_spend", True),
    ("group_fail", "group", "G2", None, dt.date(2024, 5, 1), "T2", "high", 1, "群健康不合格", "群健康度不合格。", "group_improvement_plan", True),
    ("spend_drop", "member", "M7", None, None, "T2", "medium", 2, "消费下降", "已经打开的提醒。", "personal_recall", False),
    ("recall_due", "member", "M9", None, None, None, "low", 3, "今日召回", "不在任何群的会员。", "personal_recall", True),
    ("segment_downgrade", "member", "M8", None, None, "T3", "medium", 2, "分层下降", "昨天已打开。", "x", False),
]


@pytest.fixture()
def hand_mart(tmp_path: Path) -> Path:
    db = tmp_path / "hand.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute("""
            create table marts.early_warnings (
                as_of_date date, alert_code varchar, entity_type varchar, entity_id varchar,
                category_code varchar, period_month date, mentor_id varchar, severity varchar,
                severity_rank integer, alert_name_zh varchar, metric_value double,
                threshold_value double, message_zh varchar, action_code varchar,
                action_zh varchar, is_new boolean)""")
        for code, etype, eid, cat, period, mentor, sev, rank, name, msg, action, new in HAND_ROWS:
            con.execute(
                "insert into marts.early_warnings values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [dt.date(2024, 6, 30), code, etype, eid, cat, period, mentor, sev, rank, name, 1.0, 0.0,
                 msg, action, "行动", new])
    return db


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_file_per_mentor_with_new_warnings(hand_mart, tmp_path):
    result = export(hand_mart, tmp_path / "out")
    folder = tmp_path / "out" / "2024-06-30"
    assert result.out_dir == folder
    # T3 has only a warning that was open yesterday: no file for her.
    assert sorted(p.name for p in folder.iterdir()) == ["T1.csv", "T2.csv", f"{NO_MENTOR}.csv"]
    assert result.files == {"T1": 5, "T2": 1, NO_MENTOR: 1}
    assert [r["entity_id"] for r in read_csv(folder / f"{NO_MENTOR}.csv")] == ["M9"]


def test_csv_has_bom_and_chinese_round_trips(hand_mart, tmp_path):
    export(hand_mart, tmp_path)
    path = tmp_path / "2024-06-30" / "T1.csv"
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert not raw[3:].startswith(BOM)
    rows = read_csv(path)
    assert list(rows[0]) == list(CSV_COLUMNS)
    expected = {(row[0], row[2]): row[9] for row in HAND_ROWS if row[5] == "T1" and row[11]}
    assert {(r["alert_code"], r["entity_id"]): r["message_zh"] for r in rows} == expected
    assert "进入流失" in raw.decode("utf-8-sig")


def test_rows_ordered_by_severity_then_code_then_entity(hand_mart, tmp_path):
    export(hand_mart, tmp_path)
    rows = read_csv(tmp_path / "2024-06-30" / "T1.csv")
    assert [(r["severity"], r["alert_code"], r["entity_id"]) for r in rows] == [
        ("high", "entered_churn", "M0"),
        ("high", "entered_churn", "M2"),
        ("medium", "spend_drop", "M1"),
        ("low", "category_gap", "G1"),
        ("low", "recall_due", "M3"),
    ]


def test_stale_files_of_the_same_day_are_replaced(hand_mart, tmp_path):
    folder = tmp_path / "2024-06-30"
    folder.mkdir()
    (folder / "OLD_MENTOR.csv").write_text("stale", encoding="utf-8")
    export(hand_mart, tmp_path)
    assert not (folder / "OLD_MENTOR.csv").exists()


def test_summary_counts_and_location(hand_mart, tmp_path):
    result = export(hand_mart, tmp_path)
    text = summary(result)
    assert "2024-06-30" in text and str(result.out_dir) in text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert lines["entered_churn"][1:] == ["high", "2", "2"]
    assert lines["spend_drop"][1:] == ["medium", "2", "1"]
    assert lines["T1"][1:] == ["2", "1", "2", "5"]
    assert len(text.splitlines()) <= 40


def test_script_help_and_run(hand_mart, tmp_path):
    script = ROOT / "scripts" / "export_alerts.py"
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--db" in done.stdout and "--out" in done.stdout
    done = subprocess.run([sys.executable, str(script), "--db", str(hand_mart), "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "mentor CSVs" in done.stdout
    missing = subprocess.run([sys.executable, str(script), "--db", str(tmp_path / "none.duckdb")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_export_on_a_built_warehouse(tiny_db, tmp_path):
    result = export(tiny_db, tmp_path)
    new = query(tiny_db, "select coalesce(mentor_id, '') , count(*) from marts.early_warnings "
                         "where is_new group by 1")
    expected = {(mentor or NO_MENTOR): n for mentor, n in new}
    assert result.files == expected
    for stem, n in expected.items():
        rows = read_csv(result.out_dir / f"{stem}.csv")
        assert len(rows) == n
        ranks = [{"high": 1, "medium": 2, "low": 3}[r["severity"]] for r in rows]
        assert ranks == sorted(ranks)


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
    * known: a landing holding only what was known on D, built with AS_OF=D.
    """
    base = tmp_path_factory.mktemp("warnings_repro")
    landing = base / "landing"
    manifest = generate(landing, "--size", "tiny", "--seed", "11")
    end = dt.date.fromisoformat(manifest["as_of_date"])
    day = end - dt.timedelta(days=12)
    out: dict = {"end": end, "day": day}

    fresh = base / "fresh.duckdb"
    make_run(landing, fresh)
    out["fresh"] = snapshot(fresh)

    daily = base / "daily.duckdb"
    make_run(copy_landing(landing, base / "first_batch", ["batch_0001"]), daily)
    make_run(landing, daily)
    out["daily_end"] = snapshot(daily)
    out["daily_history_batches"] = query(daily, """
        select loaded_through_batch, max(month_end) from marts.member_segment_history group by 1""")
    out["first_late_change"] = query(daily, """
        select min(order_date) from intermediate.int_orders where source_batch = 'batch_0002'""")[0][0]
    make_run(landing, daily, as_of=day.isoformat())
    out["daily_day"] = snapshot(daily)
    make_run(landing, daily, as_of=(day - dt.timedelta(days=1)).isoformat())
    out["daily_day_before"] = snapshot(daily)

    known = base / "known.duckdb"
    make_run(truncate_landing(landing, base / "known_on_d", day), known, as_of=day.isoformat())
    out["known_day"] = snapshot(known)
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


def test_is_new_means_absent_the_day_before(repro):
    def key(row: tuple) -> tuple:  # alert_code, entity_id, category_code, period_month
        return row[1], row[3], row[4], row[5]

    yesterday = {key(row) for row in repro["daily_day_before"]["early_warnings"]}
    today = repro["daily_day"]["early_warnings"]
    assert today
    for row in today:
        assert row[-1] == (key(row) not in yesterday), row
