"""Warning-quality backtest (SPEC §7.1, §7.3): every figure of alert_backtest on a hand-made landing.

Landing ``fixtures/backtest`` (one batch): 14 members, one purchase order per
row below, amounts in yuan, all tier 199 in group G1. The warehouse is built
as of 2024-06-29; with ``backtest_months = 1`` the one cut-off is
c = 2024-03-31 (c + 90 = 2024-06-29 = as_of, the boundary). Alert window
[c − 29, c] = [03-02, 03-31]; c − 30 = 03-01. Horizons 30 / 60 / 90:
c + 30 = 04-30, c + 60 = 05-30, c + 90 = 06-29.

Vars (defaults): churn after 90 days, decline after 30, recall on recency
31, 33, 35, 40, 45, 60; r_high = recency ≤ 14, f_high = ≥ 2 purchases in 30
days, m_high = ≥ 500 yuan: with these amounts f and m stay low (except M09 on
03-10), so a buyer's segment is general_develop (rank 6) while recency ≤ 14
and general_winback (8) after; segment_downgrade on a March day d ⇔
recency(d) > 14 and recency(02-29) ≤ 14.

| member | joined | purchases | on c | alerts new in [03-01, 03-31] |
| --- | --- | --- | --- | --- |
| M01 | 2023-10-01 | 01-01, 06-29 (c+90) | recency 90 → declining, alive (churned only > 90) | recall (60) on 03-01 = c − 30: not counted |
| M02 | 2023-10-01 | 2023-12-31 | recency 91 → churned ON c: not in population | entered_churn on 03-31 (excluded) |
| M03 | 2023-10-01 | 01-02, 05-31 (c+61) | recency 89, alive | recall (60) on 03-02 = c − 29: counted |
| M04 | 2023-10-01 | 2023-12-05, 03-20, 04-30 (c+30) | recency 11 | entered_churn on 03-05 (recency 91), back on 03-20 |
| M05 | 2023-10-01 | 02-15 (200), 03-16 (50) | recency 15 | spend_drop on 03-16 (50 < 0.8 × 200); downgrade new 03-01 and again 03-31 |
| M06 | 2024-03-10 | none | 21 days since joining, onboarding | new_member_inactive on 03-17, 03-24, 03-31 |
| M07 | 2024-01-01 | none | 90 days since joining → onboarding, alive | none (entered_churn would be 04-01) |
| M08 | 2023-12-31 | none | 91 days since joining → churned: not in population | entered_churn on 03-31 (excluded) |
| M09 | 2023-10-01 | 02-10, 03-10, 05-01 (c+31) | recency 21 | none (02-29 recency 19: already winback) |
| M10 | 2023-10-01 | 02-27, 03-28, 04-15 | recency 3 | segment_downgrade on 03-13 (recency 15; 02-29: 2) |
| M11 | 2024-04-05 | 04-06 | joined after c: not in population | – |
| M12 | 2023-10-01 | 03-15 | recency 16 | none (no purchase by 02-29) |
| M13 | 2023-10-01 | 03-30, 04-01 (c+1) | recency 1 | none |
| M14 | 2023-10-01 | 01-01 | recency 90, alive | recall on 03-01: not counted |

Population (alive on c): M01 M03 M04 M05 M06 M07 M09 M10 M12 M13 M14 = 11.
Churned within h (no purchase on c+1 … c+h):
  h 30: M01 M03 M05 M06 M07 M09 M12 M14 = 8  (M04 bought on c+30 exactly: not churned; M09 on c+31: churned)
  h 60: M01 M03 M05 M06 M07 M12 M14 = 7      (M09 c+31 ≤ c+60; M03 bought on c+61: churned)
  h 90: M05 M06 M07 M12 M14 = 5              (M01 bought on c+90 exactly, M03 on c+61: not churned)
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import FAST, FIXTURES, ROOT, make_run, query

sys.path.insert(0, str(ROOT))

from radar import backtest  # noqa: E402

CUTOFF = dt.date(2024, 3, 31)
POPULATION = 11
CHURNED = {30: 8, 60: 7, 90: 5}

# Hand-chosen model scores (the scorer is injected: this file tests the
# backtest's definitions, not the churn model). M02 and M08 are not in the
# population and must be ignored; M06 and M07 have no purchase, so BG/NBD
# gives them no expected purchases (null → ranked lowest).
HAND_SCORES = {
    #       churn_risk, expected_purchases_90d
    "M01": (0.95, 0.5),
    "M02": (0.99, 0.1),
    "M03": (0.2, 0.5),
    "M04": (0.1, 2.0),
    "M05": (0.9, 1.0),
    "M06": (0.9, None),
    "M07": (0.5, None),
    "M08": (0.99, None),
    "M09": (0.3, 3.0),
    "M10": (0.1, 4.0),
    "M12": (0.6, 1.0),
    "M13": (0.2, 2.0),
    "M14": (0.4, 0.2),
}
SCORER_CALLS: list[dt.date] = []


def hand_scorer(con, cutoff: dt.date) -> pd.DataFrame:
    SCORER_CALLS.append(cutoff)
    return pd.DataFrame(
        [(member, risk, None, purchases) for member, (risk, purchases) in HAND_SCORES.items()],
        columns=["member_id", "churn_risk", "p_alive", "expected_purchases_90d"])


# (alert_code, horizon) → (flagged, flagged_churned, precision, recall, lift, auc)
EXPECTED = {
    # recall_due: M03 (new on c − 29; M01 and M14 on c − 30 do not count).
    # M03 churned at 30 and 60 (next purchase c + 61), not at 90.
    ("recall_due", 30): (1, 1, 1.0, 1 / 8, 1.0 / (8 / 11), None),
    ("recall_due", 60): (1, 1, 1.0, 1 / 7, 1.0 / (7 / 11), None),
    ("recall_due", 90): (1, 0, 0.0, 0.0, 0.0, None),
    # entered_churn: M04 only (M02, M08 entered on c: churned, not in the population);
    # M04 bought again on c + 30.
    ("entered_churn", 30): (1, 0, 0.0, 0.0, 0.0, None),
    ("entered_churn", 60): (1, 0, 0.0, 0.0, 0.0, None),
    ("entered_churn", 90): (1, 0, 0.0, 0.0, 0.0, None),
    # spend_drop: M05, who never buys again.
    ("spend_drop", 30): (1, 1, 1.0, 1 / 8, 11 / 8, None),
    ("spend_drop", 60): (1, 1, 1.0, 1 / 7, 11 / 7, None),
    ("spend_drop", 90): (1, 1, 1.0, 1 / 5, 11 / 5, None),
    # new_member_inactive: M06, who never buys.
    ("new_member_inactive", 30): (1, 1, 1.0, 1 / 8, 11 / 8, None),
    ("new_member_inactive", 60): (1, 1, 1.0, 1 / 7, 11 / 7, None),
    ("new_member_inactive", 90): (1, 1, 1.0, 1 / 5, 11 / 5, None),
    # segment_downgrade: M05 (new again on c) and M10 (new on 03-13); M05 churns, M10 does not.
    # precision 1/2; lift 0.5 / (8/11) = 11/16, 0.5 / (7/11) = 11/14, 0.5 / (5/11) = 11/10.
    ("segment_downgrade", 30): (2, 1, 0.5, 1 / 8, 11 / 16, None),
    ("segment_downgrade", 60): (2, 1, 0.5, 1 / 7, 11 / 14, None),
    ("segment_downgrade", 90): (2, 1, 0.5, 1 / 5, 11 / 10, None),
    # Scores: flagged = top ceil(0.1 × 11) = 2.
    # score_churn_risk: M01 .95, then M05 .9 = M06 .9 (tie → M05, smaller id): {M01, M05}.
    # Ascending mid-ranks: .1 M04 M10 → 1.5; .2 M03 M13 → 3.5; .3 M09 5; .4 M14 6; .5 M07 7;
    # .6 M12 8; .9 M05 M06 → 9.5; .95 M01 11.
    # h30 churned M01 M03 M05 M06 M07 M09 M12 M14: R = 11+3.5+9.5+9.5+7+5+8+6 = 59.5,
    #   U = 59.5 − 8·9/2 = 23.5, AUC = 23.5 / (8·3) (M03 ties M13: half a pair).
    # h60 churned M01 M03 M05 M06 M07 M12 M14: R = 54.5, U = 54.5 − 28 = 26.5, AUC = 26.5 / (7·4).
    # h90 churned M05 M06 M07 M12 M14: R = 9.5+9.5+7+8+6 = 40, U = 40 − 15 = 25, AUC = 25 / (5·6).
    ("score_churn_risk", 30): (2, 2, 1.0, 2 / 8, 11 / 8, 23.5 / 24),
    ("score_churn_risk", 60): (2, 2, 1.0, 2 / 7, 11 / 7, 26.5 / 28),
    ("score_churn_risk", 90): (2, 1, 0.5, 1 / 5, 11 / 10, 25 / 30),
    # score_bgnbd = −expected purchases: M14 −.2, then M01 −.5 = M03 −.5 (tie → M01): {M14, M01}.
    # Ascending mid-ranks (missing lowest): M06 M07 null → 1.5; M10 −4 → 3; M09 −3 → 4;
    # M04 M13 −2 → 5.5; M05 M12 −1 → 7.5; M01 M03 −.5 → 9.5; M14 −.2 → 11.
    # h30: R = 9.5+9.5+7.5+1.5+1.5+4+7.5+11 = 52, U = 16, AUC = 16/24.
    # h60: R = 9.5+9.5+7.5+1.5+1.5+7.5+11 = 48, U = 20, AUC = 20/28.
    # h90: R = 7.5+1.5+1.5+7.5+11 = 29, U = 14, AUC = 14/30.
    ("score_bgnbd", 30): (2, 2, 1.0, 2 / 8, 11 / 8, 16 / 24),
    ("score_bgnbd", 60): (2, 2, 1.0, 2 / 7, 11 / 7, 20 / 28),
    ("score_bgnbd", 90): (2, 1, 0.5, 1 / 5, 11 / 10, 14 / 30),
    # score_recency (days since the last purchase, or since joining): M01 90, M03 89, M04 11,
    # M05 15, M06 21 (joined 03-10), M07 90 (joined), M09 21, M10 3, M12 16, M13 1, M14 90.
    # Top 2 of the three-way tie at 90: M01, M07.
    # Ascending mid-ranks: M13 1, M10 2, M04 3, M05 4, M12 5, M06 M09 → 6.5, M03 8, M01 M07 M14 → 10.
    # h30: R = 10+8+4+6.5+10+6.5+5+10 = 60, U = 24, AUC = 24/24.
    # h60: R = 10+8+4+6.5+10+5+10 = 53.5, U = 25.5, AUC = 25.5/28.
    # h90: R = 4+6.5+10+5+10 = 35.5, U = 20.5, AUC = 20.5/30.
    ("score_recency", 30): (2, 2, 1.0, 2 / 8, 11 / 8, 24 / 24),
    ("score_recency", 60): (2, 2, 1.0, 2 / 7, 11 / 7, 25.5 / 28),
    ("score_recency", 90): (2, 1, 0.5, 1 / 5, 11 / 10, 20.5 / 30),
}

COLUMNS = ("alert_code, cutoff_date, horizon_days, is_score, population, churned, base_rate, flagged, "
           "flagged_churned, precision, recall, lift, auc, data_fingerprint")


def rows(db: Path) -> dict:
    result = query(db, f"select {COLUMNS} from marts.alert_backtest order by 1, 2, 3")
    return {(r[0], r[2]): r for r in result}


@pytest.fixture(scope="session")
def hand_warehouse(tmp_path_factory) -> Path:
    """The hand-made landing built by make run (as of 2024-06-29), before any backtest."""
    db = tmp_path_factory.mktemp("backtest") / "built.duckdb"
    make_run(FIXTURES / "backtest", db, as_of="2024-06-29")
    return db


@pytest.fixture(scope="session")
def backtest_db(hand_warehouse, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("backtest") / "radar.duckdb"
    shutil.copyfile(hand_warehouse, db)
    SCORER_CALLS.clear()
    report = backtest.run(db, months=1, scorer=hand_scorer)
    assert report["cutoffs"] == [CUTOFF] and report["computed"] == [CUTOFF]
    assert SCORER_CALLS == [CUTOFF]
    return db


def close(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_one_row_per_code_cutoff_and_horizon(backtest_db):
    table = rows(backtest_db)
    assert sorted(table) == sorted(EXPECTED)
    assert {r[1] for r in table.values()} == {CUTOFF}


def test_population_churned_and_base_rate(backtest_db):
    for (code, horizon), row in rows(backtest_db).items():
        assert row[4] == POPULATION, code
        assert row[5] == CHURNED[horizon], (code, horizon)
        assert close(row[6], CHURNED[horizon] / POPULATION)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_figures_worked_by_hand(backtest_db, key):
    row = rows(backtest_db)[key]
    flagged, flagged_churned, precision, recall, lift, auc = EXPECTED[key]
    assert row[3] is key[0].startswith("score_")
    assert (row[7], row[8]) == (flagged, flagged_churned)
    for actual, expected, name in ((row[9], precision, "precision"), (row[10], recall, "recall"),
                                   (row[11], lift, "lift"), (row[12], auc, "auc")):
        assert close(actual, expected), (key, name, actual, expected)


def test_population_members(backtest_db):
    """Who is alive on c: churned on c (M02, M08) and joined after c (M11) are out; churned on c + 1 is in."""
    members = query(backtest_db, """
        select member_id, lifecycle_stage, days_inactive, next_purchase_date
        from intermediate.int_backtest_members order by 1""")
    assert [m[0] for m in members] == ["M01", "M03", "M04", "M05", "M06", "M07", "M09", "M10", "M12",
                                       "M13", "M14"]
    by_id = {m[0]: m[1:] for m in members}
    assert by_id["M01"] == ("declining", 90, dt.date(2024, 6, 29))  # enters churned on c + 1
    assert by_id["M07"] == ("onboarding", 90, None)  # no purchase, 90 days since joining
    assert by_id["M06"] == ("onboarding", 21, None)


def test_alert_window_boundaries(backtest_db):
    """New on c − 29 counts (M03's recall); new on c − 30 does not (M01's and M14's)."""
    flagged = query(backtest_db, """
        select member_id, alert_code from intermediate.int_backtest_member_alerts order by 1, 2""")
    assert flagged == [("M03", "recall_due"), ("M04", "entered_churn"), ("M05", "segment_downgrade"),
                       ("M05", "spend_drop"), ("M06", "new_member_inactive"), ("M10", "segment_downgrade")]
    # M03's recall (01-02 + 30 + 30) falls on 03-02, an event day; M01's and M14's (01-01 + 60)
    # on 03-01 = c − 30: not a window day, so not even evaluated (int_backtest_member_days)
    recall_days = query(backtest_db, """
        select entity_id, evaluation_date from intermediate.int_backtest_member_warnings
        where alert_code = 'recall_due' and evaluation_date between '2024-03-01' and '2024-03-31'
        order by 1, 2""")
    assert recall_days == [("M03", dt.date(2024, 3, 2))]
    evaluated = query(backtest_db, """
        select member_id, snapshot_date, is_event_day from intermediate.int_backtest_member_days
        where member_id in ('M01', 'M03') and snapshot_date between '2024-03-01' and '2024-03-31'
        order by 1, 2""")
    # M01: no event day in [03-02, 03-31] (the first of the month, 03-01, is before the window);
    # M03: 03-02 and the day before it
    assert evaluated == [("M03", dt.date(2024, 3, 1), False), ("M03", dt.date(2024, 3, 2), True)]


# The mentor's list on c itself (int_backtest_member_tasks, task_backtest). Member alerts new on
# 03-31: M02 and M08 entered_churn (churned on c: ranked, not in the population), M05
# segment_downgrade (new again on c), M06 new_member_inactive (day 21). Playbook: M05's downgrade
# and M02's churn entry (segment general_winback, M02's segment before it stopped buying) say no
# further spend → no task. T1's list: M08 (high) rank 1, M06 (low) rank 2, both within 30. Both
# have no BG/NBD expectation (never bought), so their priority is the interim one of segment
# no_purchase, (10 − 9) × 1000 = 1000; by value first the tie goes to the more severe: M08 1, M06 2.
# listed = the population's members on the list; M05 and M06 churn within every horizon.
TASK_LISTS = {
    #                            listed, listed_churned
    "list_new_warnings": (2, 2),             # M05, M06
    "list_tasks": (1, 1),                    # M06
    "list_tasks_within_capacity": (1, 1),    # M06 (rank 2 ≤ 30)
    "list_tasks_by_value_within_capacity": (1, 1),  # M06 (rank 2 ≤ 30)
}


def test_task_list_of_the_cutoff_day(backtest_db):
    tasks = query(backtest_db, """
        select member_id, mentor_id, is_task, task_rank, within_capacity, value_rank
        from intermediate.int_backtest_member_tasks order by 1""")
    assert tasks == [("M02", "T1", False, None, False, None), ("M05", "T1", False, None, False, None),
                     ("M06", "T1", True, 2, True, 2), ("M08", "T1", True, 1, True, 1)]
    table = query(backtest_db, """
        select list_code, horizon_days, population, churned, listed, listed_churned, precision, recall, lift
        from marts.task_backtest order by 1, 2""")
    assert [(r[0], r[1]) for r in table] == [(code, h) for code in sorted(TASK_LISTS) for h in (30, 60, 90)]
    for code, horizon, population, churned, listed, listed_churned, precision, recall, lift in table:
        assert (population, churned) == (POPULATION, CHURNED[horizon])
        assert (listed, listed_churned) == TASK_LISTS[code], code
        assert close(precision, 1.0) and close(recall, listed / CHURNED[horizon])
        assert close(lift, 1.0 / (CHURNED[horizon] / POPULATION)), (code, horizon)


def test_rules_have_no_auc_and_fingerprint_is_set(backtest_db):
    for (code, _), row in rows(backtest_db).items():
        assert (row[12] is None) == (not code.startswith("score_"))
        assert row[13] and len(row[13]) == 32


def test_cutoffs_follow_spec():
    horizons = [30, 60, 90]
    joined = dt.date(2023, 10, 1)
    # c + 90 ≤ as_of: 03-31 + 90 = 06-29.
    assert backtest.backtest_cutoffs(dt.date(2024, 6, 29), joined, 1, horizons) == [dt.date(2024, 3, 31)]
    assert backtest.backtest_cutoffs(dt.date(2024, 6, 28), joined, 1, horizons) == [dt.date(2024, 2, 29)]
    # 12 asked, history from October 2023: fewer (Oct … Mar).
    assert backtest.backtest_cutoffs(dt.date(2024, 6, 29), joined, 12, horizons) == [
        dt.date(2023, 10, 31), dt.date(2023, 11, 30), dt.date(2023, 12, 31), dt.date(2024, 1, 31),
        dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    assert backtest.backtest_cutoffs(dt.date(2023, 12, 1), joined, 12, horizons) == []
    # horizon 30 only: c ≤ 06-29 − 30 = 05-30, so 05-31 is one day too late.
    assert backtest.backtest_cutoffs(dt.date(2024, 6, 29), joined, 2, [30]) == [
        dt.date(2024, 3, 31), dt.date(2024, 4, 30)]
    assert backtest.backtest_cutoffs(dt.date(2024, 6, 30), joined, 1, [30]) == [dt.date(2024, 5, 31)]


def test_no_look_ahead_and_cache(backtest_db, tmp_path):
    """A later batch with purchases after c + 90 (M14 on c + 91, M05 on c + 93) changes nothing for c:
    the fingerprint stays, so the cut-off is reused; recomputed from scratch, the rows are the same."""
    before = rows(backtest_db)
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(backtest_db, db)
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "backtest", landing)
    shutil.copytree(FIXTURES / "backtest_later" / "batch_002", landing / "batch_002")
    make_run(landing, db)  # as_of becomes 2024-07-02, the latest order
    SCORER_CALLS.clear()
    reused = backtest.run(db, months=1, scorer=hand_scorer, unit_tests=not FAST)
    # the backtest's cut-offs, as-of date and score source reach dbt through the environment
    # (macro run_var): dbt kept the parse of the nightly build that ran just before
    # (the backtest's first build: selector backtest, or backtest_without_unit_tests in test-fast)
    log = next(db.parent.glob(f"{db.name}.dbt_build_backtest*.log")).read_text(encoding="utf-8")
    assert "Unable to do partial parsing" not in log and "Found " in log, log[:2000]
    assert reused["as_of"] == dt.date(2024, 7, 2) and reused["cutoffs"] == [CUTOFF]
    assert reused["computed"] == [] and SCORER_CALLS == []
    assert rows(db) == before
    recomputed = backtest.run(db, months=1, scorer=hand_scorer, use_cache=False, unit_tests=not FAST)
    assert recomputed["computed"] == [CUTOFF] and SCORER_CALLS == [CUTOFF]
    assert rows(db) == before


def test_changed_data_before_the_horizon_is_recomputed(backtest_db, tmp_path):
    """A late refund of M13's c + 1 order (the only purchase that keeps M13 retained) changes the
    fingerprint: the cut-off is recomputed and M13 now churns within every horizon."""
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(backtest_db, db)
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "backtest", landing)
    refund = landing / "batch_002"
    refund.mkdir()
    (refund / "order_items.csv").write_text(
        "order_id,line_no,sku,category_code,quantity,line_amount,refunded_amount\nB20,1,SKU-1,food_fresh,1,100,100\n",
        encoding="utf-8")
    make_run(landing, db, as_of="2024-06-29")
    report = backtest.run(db, months=1, scorer=hand_scorer, unit_tests=not FAST)
    assert report["computed"] == [CUTOFF]
    after = rows(db)
    assert {h: after[("score_recency", h)][5] for h in (30, 60, 90)} == {30: 9, 60: 8, 90: 6}


def test_a_changed_line_changes_the_fingerprint_of_every_cut_off_that_reads_it(hand_warehouse, tmp_path):
    """A cut-off c reads the orders dated up to c + the longest horizon, lines included: a line
    whose category changes (its amounts do not) changes c's fingerprint when its order is dated
    on c + horizon exactly, and not the day before's (the staging views read the landing, so the
    edit shows without a build)."""
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(hand_warehouse, db)
    horizon = 90
    with duckdb.connect(str(db)) as con:
        order_id, line_no, category, order_date = con.execute("""
            select i.order_id, i.line_no, i.category_code, o.order_date
            from landing.order_items as i
            inner join staging.stg_landing__orders as o on o.order_id = i.order_id
            order by o.order_date desc, 1, 2 limit 1""").fetchone()
        reads = order_date - dt.timedelta(days=horizon)
        cutoffs = [reads - dt.timedelta(days=1), reads]
        before = backtest.data_fingerprints(con, cutoffs, [30, horizon], "code")
        other = con.execute("select category_code from config.categories where category_code <> ? "
                            "order by 1 limit 1", [category]).fetchone()[0]
        con.execute("update landing.order_items set category_code = ? where order_id = ? and line_no = ?",
                    [other, order_id, line_no])
        after = backtest.data_fingerprints(con, cutoffs, [30, horizon], "code")
    assert after[cutoffs[0]] == before[cutoffs[0]], "a cut-off that does not read the order keeps its fingerprint"
    assert after[cutoffs[1]] != before[cutoffs[1]], "the changed line must change the fingerprint"


def test_cutoffs_built_a_few_at_a_time_give_the_same_results(hand_warehouse, tmp_path, monkeypatch):
    """RADAR_BACKTEST_CUTOFFS_PER_BUILD splits the cut-offs over dbt builds (bounded memory and
    disk at scale); every figure is the one a single build of all cut-offs gives."""
    tables = {"alert_backtest": f"select {COLUMNS} from marts.alert_backtest order by 1, 2, 3",
              "task_backtest": "select * exclude (as_of_date) from marts.task_backtest order by all"}
    results = {}
    for per_build in ("3", "1"):
        db = tmp_path / f"radar_{per_build}.duckdb"
        shutil.copyfile(hand_warehouse, db)
        monkeypatch.setenv("RADAR_BACKTEST_CUTOFFS_PER_BUILD", per_build)
        report = backtest.run(db, months=3, scorer=hand_scorer, use_cache=False, unit_tests=not FAST)
        assert len(report["computed"]) == 3
        results[per_build] = {name: query(db, sql) for name, sql in tables.items()}
        assert {r[1] for r in results[per_build]["alert_backtest"]} == set(report["cutoffs"])
    assert results["1"] == results["3"]
    monkeypatch.setenv("RADAR_BACKTEST_CUTOFFS_PER_BUILD", "0")
    with pytest.raises(backtest.BacktestError, match="at least 1"):
        backtest.run(tmp_path / "radar_1.duckdb", months=1, scorer=hand_scorer, unit_tests=not FAST)


def ranked_scorer(con, cutoff: dt.date) -> pd.DataFrame:
    """Any fixed ranking of the members joined by the cut-off (this test compares alerts, not scores)."""
    members = con.execute("select member_id from intermediate.int_members where join_date <= ? order by 1",
                          [cutoff]).df()
    members["churn_risk"] = [(i * 7 % 11) / 10 for i in range(len(members))]
    members["p_alive"] = None
    members["expected_purchases_90d"] = [(i * 5 % 13) / 4 for i in range(len(members))]
    return members


def test_event_days_give_the_result_of_every_day(tiny_db, tmp_path, monkeypatch):
    """int_backtest_member_days evaluates a member only on the window days where an input of her
    alerts can change (compared with her previous one, the first with the day before it; the
    single-day alerts are closed between them); evaluating every member on every day of the 12
    windows (RADAR_BACKTEST_EVERY_DAY=1) gives the same new alerts and every figure of the backtest.
    The generated data hold purchases at every distance from the windows, so a missing kind of
    event day (a threshold, a recall day, a window edge, a month start), a recency offset left
    out while its purchase day is still her last (one day too early fails), a single-day alert
    left out of single_day_member_alerts or a comparison across the gap between two cut-offs'
    windows loses or adds an alert."""
    tables = {"new_alerts": "select * from intermediate.int_backtest_member_new_alerts order by all",
              "alert_backtest": f"select {COLUMNS} from marts.alert_backtest order by 1, 2, 3",
              "task_backtest": "select * exclude (as_of_date) from marts.task_backtest order by all"}
    monkeypatch.setenv("RADAR_BACKTEST_CUTOFFS_PER_BUILD", "12")
    results, member_days = {}, {}
    for every_day in ("0", "1"):
        db = tmp_path / f"radar_{every_day}.duckdb"
        shutil.copyfile(tiny_db, db)
        monkeypatch.setenv("RADAR_BACKTEST_EVERY_DAY", every_day)
        report = backtest.run(db, scorer=ranked_scorer, use_cache=False, unit_tests=not FAST)
        assert len(report["computed"]) == 12
        results[every_day] = {name: query(db, sql) for name, sql in tables.items()}
        member_days[every_day] = query(db, """
            select count(*), sum(case when is_event_day then 1 else 0 end)
            from intermediate.int_backtest_member_days""")[0]
    codes = {row[1] for row in results["1"]["new_alerts"]}
    assert codes == {"segment_downgrade", "spend_drop", "recall_due", "entered_churn", "new_member_inactive"}
    assert results["0"] == results["1"]
    # the event days are a real subset: fewer member-days, and not all of them event days
    assert member_days["0"][0] < member_days["1"][0] / 2
    assert member_days["0"][1] < member_days["0"][0]


def test_failed_backtest_leaves_the_warehouse_untouched(backtest_db, tmp_path):
    db = tmp_path / "radar.duckdb"
    shutil.copyfile(backtest_db, db)
    before = db.read_bytes()

    def broken(con, cutoff):
        return pd.DataFrame({"member_id": ["M01"]})

    with pytest.raises(backtest.BacktestError, match="lack the column"):
        backtest.run(db, months=1, scorer=broken, use_cache=False)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("radar.duckdb.building*"))  # the work file is gone


def test_quality_docs_show_the_hand_worked_figures_in_whole_people(backtest_db, tmp_path):
    """docs/warning_quality.md (make quality-docs) on the hand-made backtest: one row per code at the
    longest horizon with its flagged members per cut-off as a whole number (people, not 1.0) and
    its precision and lift, all from EXPECTED (worked by hand above)."""
    from radar import quality_docs

    assert quality_docs.main([str(backtest_db), "--out", str(tmp_path / "wq")]) == 0
    text = (tmp_path / "wq.md").read_text(encoding="utf-8")
    longest = max(h for _, h in EXPECTED)
    for (code, horizon), (flagged, _, precision, _, lift, _) in EXPECTED.items():
        if horizon != longest:
            continue
        row = next(line for line in text.splitlines() if f"(`{code}`) |" in line)
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == f"{flagged:,}", (code, cells)
        assert float(cells[2]) == pytest.approx(precision, abs=0.0005), (code, cells)
        assert float(cells[4]) == pytest.approx(lift, abs=0.005), (code, cells)
    assert "flagged per cut-off (average)" in text
    # the model's stored parameters read as words, dates and numbers, not raw codes
    table = text.split("`churn_model_parameters` on the warehouse's as_of_date:")[1].strip().splitlines()
    assert table[0].startswith("| as of date | model | parameter | value |"), table[0]
    rows = [line for line in table[2:] if line.startswith("|")]
    assert rows
    for line in rows:
        for raw in ("_", "00:00:00", "True", "False", "None", "nan"):
            assert raw not in line, (raw, line)


def test_make_backtest_reports_a_missing_warehouse(tmp_path):
    done = subprocess.run(["make", "-s", "backtest", f"DB={tmp_path / 'none.duckdb'}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "no warehouse at" in done.stderr and "make demo or make run" in done.stderr


def test_nightly_build_leaves_the_backtest_out(hand_warehouse, backtest_db):
    """make run's plain dbt build (the default selector) builds no backtest relation; the backtest
    leaves its results and cache, not its scores input."""
    def relations(db):
        return {r[0] for r in query(db, """
            select table_name from information_schema.tables
            where table_name like '%backtest%' or table_name = 'churn_scores'""")}

    assert relations(hand_warehouse) == set()
    assert {"alert_backtest", "int_backtest_results", "int_backtest_members"} <= relations(backtest_db)
    assert "churn_scores" not in relations(backtest_db)
