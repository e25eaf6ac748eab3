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
