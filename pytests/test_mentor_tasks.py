"""Mentor tasks (SPEC §5.7): the action seed covers every pair without
contradiction, and on a built warehouse every mentor's list keeps its promises.

* Seed tests read the CSVs directly (no dbt): every (alert_code, segment)
  pair of a member alert — alert codes from alert_catalog × the segments of
  rfm_segments, no_purchase included — and every group/mentor alert has
  exactly one action; where the segment's playbook says no further spend, the
  recall and win-back alerts are suppressed, never sent with a contradicting
  action.
* Warehouse tests run on the generated tiny warehouse (conftest ``tiny_db``)
  and check the done-when list of issue 14 on real output.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from conftest import ROOT, query

SEEDS = ROOT / "seeds"
NO_SPEND = "no_further_spend"
# Alerts whose whole point is to contact (recall / win back) the member.
RECALL_AND_WINBACK = {"recall_due", "entered_churn"}


def read_seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_alert_and_segment_pair_has_exactly_one_action():
    catalog = read_seed("alert_catalog")
    segments = [row["segment"] for row in read_seed("rfm_segments")]
    assert "no_purchase" in segments and len(segments) == 9
    expected = set()
    for alert in catalog:
        if alert["entity_type"] == "member":
            expected |= {(alert["alert_code"], segment) for segment in segments}
        else:
            expected.add((alert["alert_code"], ""))
    actions = read_seed("alert_actions")
    pairs = [(row["alert_code"], row["segment"]) for row in actions]
    assert len(pairs) == len(set(pairs)), "a pair has more than one action"
    assert set(pairs) == expected
    for row in actions:
        assert row["action_code"] and row["action_zh"] and row["action_en"], row


def test_no_action_contradicts_its_alert():
    playbook = {row["segment"]: row["action_code"] for row in read_seed("segment_playbook")}
    stop_segments = {segment for segment, action in playbook.items() if action == NO_SPEND}
    assert stop_segments == {"general_winback"}
    for row in read_seed("alert_actions"):
        suppressed = row["is_suppressed"] == "true"
        # "no further spend" is only ever the action of a suppressed pair ...
        assert suppressed == (row["action_code"] == NO_SPEND), row
        # ... and a recall / win-back alert of a stop segment is always suppressed.
        if row["alert_code"] in RECALL_AND_WINBACK and row["segment"] in stop_segments:
            assert suppressed, row
        # Every member alert of a stop segment is suppressed (the playbook stops all spend),
        # except the first-purchase nudge, which a member with purchases never gets.
        if row["segment"] in stop_segments and row["alert_code"] != "new_member_inactive":
            assert suppressed, row
        # Recall / win-back alerts of other segments get a contacting action, not a stop.
        if row["alert_code"] in RECALL_AND_WINBACK and row["segment"] not in stop_segments:
            assert not suppressed and row["action_code"] != NO_SPEND, row


def test_labels_name_every_lifecycle_stage_grade_and_segment_in_both_languages():
    labels = {(row["kind"], row["code"]): row for row in read_seed("labels")}
    for stage in ("onboarding", "growth", "mature", "declining", "churned"):
        assert labels[("lifecycle_stage", stage)]["name_en"]
    for grade in ("excellent", "good", "pass", "fail"):
        assert labels[("grade", grade)]["name_zh"] and labels[("grade", grade)]["name_en"]
    assert labels[("grade", "pass")]["name_zh"] == "及格"
    assert labels[("grade", "fail")]["name_zh"] == "不及格"
    for row in read_seed("rfm_segments"):
        assert row["name_en"], row
    for row in read_seed("alert_catalog"):
        assert row["name_en"] and row["message_template_en"], row


# --------------------------------------------------------------------------- the mentor's file, hand-made marts

import datetime as dt  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import duckdb  # noqa: E402

sys.path.insert(0, str(ROOT))

from radar.alerts import NO_MENTOR, export, safe_cell, summary  # noqa: E402

BOM = b"\xef\xbb\xbf"
AS_OF = dt.date(2024, 6, 30)
ATTACK = "=HYPERLINK(\"http://x\",\"点我\")"

# mentor, rank, within, type, id, group, reasons, message, action, segment, stage, tier, last, m30, risk, ev90
HAND_TASKS = [
    ("T1", 1, True, "group", "G1", "G1", "群健康不及格", "6月不及格。", "复盘", None, None, None, None, None, None, None),
    ("T1", 2, True, "member", "M1", "G1", "进入流失", "已连续91天没有购买。", "电话挽回", "important_retain",
     "churned", 399, dt.date(2024, 3, 31), 1234.5, 0.1234, 88.456),
    ("T1", 3, False, "member", "M2", "G1", "消费下降", "近30天消费75.00元。", "了解原因", "general_value",
     "declining", 199, dt.date(2024, 6, 20), 75.0, None, None),
    ("T1", 4, False, "member", "M3", "G1", "分层下降", "-5 级", "+跟进", "general_retain",
     "mature", 199, dt.date(2024, 6, 1), 0.005, None, None),
    (None, 1, True, "member", "M9", None, "今日召回", "不在任何群。", "召回", "general_retain",
     "declining", 199, dt.date(2024, 5, 29), 0.0, None, None),
]
NICKNAMES = {"M1": "小红", "M2": ATTACK, "M3": "@老王", "M9": "\t隐藏"}


@pytest.fixture()
def hand_db(tmp_path: Path) -> Path:
    db = tmp_path / "hand.duckdb"
    with duckdb.connect(str(db)) as con:
        for schema in ("marts", "landing", "config"):
            con.execute(f"create schema {schema}")
        con.execute("""create table marts.mentor_tasks (
            as_of_date date, mentor_id varchar, task_rank integer, within_capacity boolean,
            entity_type varchar, entity_id varchar, group_id varchar, reasons_zh varchar,
            message_zh varchar, action_zh varchar, segment varchar, lifecycle_stage varchar,
            tier integer, last_purchase_date date, monetary_30d decimal(18, 4), churn_risk double,
            expected_value_90d double)""")
        for row in HAND_TASKS:
            con.execute("insert into marts.mentor_tasks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [AS_OF, *row])
        con.execute("""create table marts.mentor_task_summary as
            select * from (values
                (date '2024-06-30', 'T1', 9, 4, 2, 2, 5, 5, 0, 0, 0),
                (date '2024-06-30', null, 2, 1, 1, 0, 1, 1, 0, 0, 0)
            ) as t(as_of_date, mentor_id, new_warnings, tasks, within_capacity, over_capacity, suppressed,
                   suppressed_no_further_spend, suppressed_category_gap_few_active,
                   suppressed_group_first_month, suppressed_mentor_alert)""")
        con.execute("create table landing.groups as select 'G1' as group_id, '宝妈交流群1' as group_name")
        con.execute("""create table config.rfm_segments as select * from (values
            ('important_retain', '重要保持'), ('general_value', '一般价值'), ('general_retain', '一般保持'))
            as t(segment, name_zh)""")
        con.execute("""create table config.labels as select * from (values
            ('lifecycle_stage', 'churned', '流失'), ('lifecycle_stage', 'declining', '衰退期'),
            ('lifecycle_stage', 'mature', '成熟期'), ('entity_type', 'member', '会员'),
            ('entity_type', 'group', '社群')) as t(kind, code, name_zh)""")
    # nicknames live only in the PII store beside the warehouse (radar.pii), never in it
    from radar.pii import store_path

    with duckdb.connect(str(store_path(db))) as con:
        con.execute("create table members (member_id varchar, nickname varchar)")
        con.executemany("insert into members values (?, ?)", list(NICKNAMES.items()))
    return db


def read_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)
    return list(csv.reader(raw[3:].decode("utf-8").splitlines(keepends=True)))


def test_within_capacity_first_overflow_in_a_second_file(hand_db, tmp_path):
    result = export(hand_db, tmp_path)
    folder = tmp_path / "2024-06-30"
    assert result.out_dir == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "T1_待办.csv", "T1_超出容量.csv", f"{NO_MENTOR}_待办.csv"]
    assert result.files == {"T1_待办": 2, "T1_超出容量": 2, f"{NO_MENTOR}_待办": 1}
    within = read_rows(folder / "T1_待办.csv")
    over = read_rows(folder / "T1_超出容量.csv")
    assert [r[0] for r in within[1:]] == ["1", "2"] and [r[2] for r in within[1:]] == ["G1", "M1"]
    assert [r[0] for r in over[1:]] == ["3", "4"]


def test_headers_and_values_are_for_people(hand_db, tmp_path):
    export(hand_db, tmp_path)
    rows = read_rows(tmp_path / "2024-06-30" / "T1_待办.csv")
    header = rows[0]
    assert header[:5] == ["序号", "对象", "会员/社群编号", "会员昵称", "所在社群"]
    assert not [h for h in header if re.search(r"[a-z]_[a-z]", h)]
    record = dict(zip(header, rows[2], strict=True))
    assert record["对象"] == "会员" and record["会员昵称"] == "小红" and record["所在社群"] == "宝妈交流群1"
    assert record["会员分层"] == "重要保持" and record["生命周期"] == "流失" and record["会员等级"] == "399元会员"
    assert record["上次购买日期"] == "2024-03-31"
    assert record["近30天消费（元）"] == "1234.50"   # 2 decimals
    assert record["流失风险"] == "12.3%"            # 0.1234 as a percentage
    assert record["未来90天预期消费（元）"] == "88.46"
    group = dict(zip(header, rows[1], strict=True))
    assert group["对象"] == "社群" and group["会员昵称"] == "" and group["会员分层"] == ""
    text = (tmp_path / "2024-06-30" / "T1_待办.csv").read_text(encoding="utf-8-sig")
    assert "None" not in text and "nan" not in text


def test_half_cent_rounds_up(hand_db, tmp_path):
    export(hand_db, tmp_path)
    rows = read_rows(tmp_path / "2024-06-30" / "T1_超出容量.csv")
    record = dict(zip(rows[0], rows[2], strict=True))
    assert record["近30天消费（元）"] == "0.01"  # 0.005 half up


def test_formula_cells_are_neutralised(hand_db, tmp_path):
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(value) == "'" + value
    for value in ("1", "小红", "a=b", ""):
        assert safe_cell(value) == value
    export(hand_db, tmp_path)
    over = read_rows(tmp_path / "2024-06-30" / "T1_超出容量.csv")
    header = over[0]
    m2 = dict(zip(header, over[1], strict=True))
    m3 = dict(zip(header, over[2], strict=True))
    assert m2["会员昵称"] == "'" + ATTACK
    assert m3["会员昵称"] == "'@老王" and m3["情况说明"] == "'-5 级" and m3["建议动作"] == "'+跟进"
    ops = read_rows(tmp_path / "2024-06-30" / f"{NO_MENTOR}_待办.csv")
    assert dict(zip(ops[0], ops[1], strict=True))["会员昵称"] == "'\t隐藏"
    for path in (tmp_path / "2024-06-30").iterdir():
        for row in read_rows(path):
            assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], (path, row)


def test_no_nickname_switch_leaves_the_pii_out(hand_db, tmp_path):
    export(hand_db, tmp_path, with_nickname=False)
    for path in (tmp_path / "2024-06-30").iterdir():
        raw = path.read_bytes().decode("utf-8-sig")
        assert "会员昵称" not in raw
        for nickname in NICKNAMES.values():
            assert nickname.strip() not in raw
    script = ROOT / "scripts" / "export_alerts.py"
    done = subprocess.run([sys.executable, str(script), "--db", str(hand_db), "--out", str(tmp_path / "b"),
                           "--no-nickname"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "小红" not in (tmp_path / "b" / "2024-06-30" / "T1_待办.csv").read_text(encoding="utf-8-sig")
    make = subprocess.run(["make", "-n", "alerts", "NICKNAME=0"], cwd=ROOT, capture_output=True, text=True)
    assert "--no-nickname" in make.stdout
    make = subprocess.run(["make", "-n", "alerts"], cwd=ROOT, capture_output=True, text=True)
    assert "export_alerts.py" in make.stdout and "--no-nickname" not in make.stdout


def test_stale_files_of_the_same_day_are_replaced(hand_db, tmp_path):
    folder = tmp_path / "2024-06-30"
    folder.mkdir()
    (folder / "OLD_MENTOR.csv").write_text("stale", encoding="utf-8")
    export(hand_db, tmp_path)
    assert not (folder / "OLD_MENTOR.csv").exists()


def test_summary_and_script(hand_db, tmp_path):
    text = summary(export(hand_db, tmp_path))
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert lines["T1"][1:] == ["9", "4", "2", "2", "5"]
    assert lines["total"][1:] == ["11", "5", "3", "2", "6"]
    assert len(text.splitlines()) <= 40
    script = ROOT / "scripts" / "export_alerts.py"
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--no-nickname" in done.stdout and "--db" in done.stdout
    missing = subprocess.run([sys.executable, str(script), "--db", str(tmp_path / "none.duckdb")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "not found" in missing.stderr


# --------------------------------------------------------------------------- done-when, on a built warehouse


def test_every_list_within_capacity_and_files_match_the_mart(tiny_db, tmp_path):
    over = query(tiny_db, """select mentor_id, count(*) from marts.mentor_tasks
                             where within_capacity group by 1 having count(*) > 30""")
    assert over == []
    ranks = query(tiny_db, """select coalesce(mentor_id, ''), list(task_rank order by task_rank)
                              from marts.mentor_tasks group by 1""")
    for _, listed in ranks:
        assert listed == list(range(1, len(listed) + 1))
    result = export(tiny_db, tmp_path)
    expected = query(tiny_db, """select coalesce(mentor_id, ''), within_capacity, count(*)
                                 from marts.mentor_tasks group by 1, 2""")
    assert result.files == {
        f"{mentor or NO_MENTOR}{'_待办' if within else '_超出容量'}": n for mentor, within, n in expected}


def test_no_task_action_contradicts_any_of_its_reasons(tiny_db):
    actions = {(a, s or None): (code, suppressed == "true")
               for a, s, code, suppressed in
               ((r["alert_code"], r["segment"], r["action_code"], r["is_suppressed"])
                for r in read_seed("alert_actions"))}
    tasks = query(tiny_db, """select tasks.entity_type, tasks.entity_id, tasks.segment, segments.previous_segment,
                                     tasks.primary_alert_code, tasks.action_code, tasks.reasons
                              from marts.mentor_tasks as tasks
                              left join marts.member_segments as segments
                                  on tasks.entity_type = 'member' and segments.member_id = tasks.entity_id""")
    assert tasks, "the tiny warehouse has no task: the check would prove nothing"

    def playbook_segment(entity_type, code, segment, previous):
        # recall_due and entered_churn follow the segment before she stopped buying
        # (the last month end's, SPEC §5.7 reading in _members__models.yml)
        if entity_type != "member":
            return None
        return (previous or segment) if code in ("recall_due", "entered_churn") else segment

    for entity_type, entity_id, segment, previous, primary, action, reasons in tasks:
        key = playbook_segment(entity_type, primary, segment, previous)
        assert action == actions[(primary, key)][0], (entity_id, primary, action)
        assert action != NO_SPEND
        for reason in reasons.split(", "):
            code = reason.split(":")[0]
            assert not actions[(code, playbook_segment(entity_type, code, segment, previous))][1], \
                (entity_id, reason, segment, previous)


def test_no_group_task_about_a_first_month_or_a_small_category_gap(tiny_db):
    first_month = query(tiny_db, """
        select warnings.entity_id, warnings.alert_code
        from marts.early_warnings as warnings
        inner join marts.mentor_tasks as tasks
            on tasks.entity_type = 'group' and tasks.entity_id = warnings.entity_id
            and tasks.reasons like '%' || warnings.alert_code || '%'
        inner join landing.groups as groups on groups.group_id = warnings.entity_id
        where warnings.is_new and warnings.period_month is not null
          and (warnings.period_month = date_trunc('month', cast(timezone('Asia/Shanghai', groups.created_at) as date))
               or (warnings.alert_code = 'group_grade_drop'
                   and warnings.period_month = date_trunc('month', cast(timezone('Asia/Shanghai', groups.created_at) as date))
                       + interval 1 month))""")
    assert first_month == []
    small_gaps = query(tiny_db, """
        select tasks.entity_id, health.month, health.active_members
        from marts.mentor_tasks as tasks
        inner join marts.early_warnings as warnings
            on warnings.entity_id = tasks.entity_id and warnings.alert_code = 'category_gap' and warnings.is_new
            and tasks.reasons like '%category_gap:' || warnings.category_code || '%'
        inner join marts.group_health_monthly as health
            on health.group_id = tasks.entity_id and health.month = warnings.period_month
        where health.active_members < 10""")
    assert small_gaps == []
    summary_rows = query(tiny_db, "select sum(suppressed), sum(new_warnings) from marts.mentor_task_summary")
    new_warnings = query(tiny_db, "select count(*) from marts.early_warnings where is_new")
    assert summary_rows[0][1] == new_warnings[0][0]
