"""member_churn_risk, churn_model_parameters and scores_as_of (issue 13, SPEC §7.2).

One tiny generated landing is built with `make run`; a purchase dated after a
cut-off c is then planted in a new batch and the warehouse rebuilt: the scores
as of c must not move (the learned model never sees an outcome after its
cut-off), while the scores as of as_of_date, which do see the purchase, must.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_run, one_night, query

from radar import churn


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> dict:
    # the generated tiny landing of seed 11, built by one run (conftest.one_night)
    base = one_night(tmp_path_factory)
    landing = base / "landing"
    db = base / "radar.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        as_of = con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0]
        # c: the month end three months before as_of's month (it has training month ends)
        cutoff = month_end(as_of.replace(day=1) - dt.timedelta(days=75))
        assert cutoff.month != as_of.month and churn.training_month_ends(con, cutoff)
        before_c = churn.score(con, cutoff, diagnostics=False)
        before_as_of = churn.scores_as_of(con, as_of)
        mart = con.execute("select * from marts.member_churn_risk order by member_id").df()
        parameters = con.execute("select * from marts.churn_model_parameters").df()
        alive = {m for (m,) in con.execute(
            "select member_id from marts.member_segments where lifecycle_stage <> 'churned'").fetchall()}
    # a member alive on c, with a purchase and still alive on as_of_date, buys on c + 5
    buyers = before_c.scores.loc[before_c.scores["frequency"].notna(), "member_id"]
    member = sorted(set(buyers) & set(before_as_of["member_id"]))[0]
    day = cutoff + dt.timedelta(days=5)
    at = dt.datetime.combine(day, dt.time(12)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    batch = landing / "batch_9999_future_purchase"
    batch.mkdir()
    with (batch / "orders.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["order_id", "member_id", "ordered_at", "status"],
                                 ["O9900000001", member, at, "paid"]])
    with (batch / "order_items.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([
            ["order_id", "line_no", "sku", "category_code", "quantity", "line_amount", "refunded_amount"],
            ["O9900000001", 1, "SKU-PLANTED", "skincare", 1, "123.45", "0.00"]])
    make_run(landing, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0] == as_of
        after_c = churn.score(con, cutoff, diagnostics=False)
        after_as_of = churn.scores_as_of(con, as_of)
    return {"db": db, "as_of": as_of, "cutoff": cutoff, "member": member, "day": day,
            "before_c": before_c, "after_c": after_c, "before_as_of": before_as_of,
            "after_as_of": after_as_of, "mart": mart, "parameters": parameters, "alive": alive}


def test_a_planted_future_purchase_leaves_the_scores_at_the_cutoff_unchanged(planted):
    before, after = planted["before_c"], planted["after_c"]
    assert before.method == "learned"
    pd.testing.assert_frame_equal(before.scores, after.scores, check_exact=True)
    assert before.fit_rows == after.fit_rows  # same parameters, training rows, holdout AUC
    # the purchase did reach the warehouse: as of as_of_date the member has one more purchase day
    b = planted["before_as_of"].set_index("member_id").loc[planted["member"]]
    a = planted["after_as_of"].set_index("member_id").loc[planted["member"]]
    assert a["expected_purchases_90d"] != b["expected_purchases_90d"]
    with duckdb.connect(str(planted["db"]), read_only=True) as con:
        days = con.execute("select count(*) from intermediate.int_member_daily_purchases"
                           " where member_id = ? and purchase_date = ?",
                           [planted["member"], planted["day"]]).fetchone()[0]
    assert days == 1


def test_training_month_ends_have_their_outcome_known_by_the_cutoff(planted):
    with duckdb.connect(str(planted["db"]), read_only=True) as con:
        ends = churn.training_month_ends(con, planted["cutoff"])
    assert ends and all(e + dt.timedelta(days=churn.HORIZON_DAYS) <= planted["cutoff"] for e in ends)
    assert len(ends) <= churn.TRAINING_MONTHS
    trained = next(r for r in planted["before_c"].fit_rows if r["model"] == "churn_classifier")
    # a month end where BG/NBD cannot be fitted (too few buyers) is left out of training
    used = trained["training_cutoffs"].split(", ")
    assert used and set(used) <= {str(e) for e in ends}


def test_the_mart_holds_the_alive_members_and_the_pipeline_scores(planted):
    mart = planted["mart"]
    assert set(mart["member_id"]) == planted["alive"]
    assert (mart["as_of_date"] == pd.Timestamp(planted["as_of"])).all()
    # the mart is what scores_as_of computes on the same warehouse (before the planted batch)
    expected = planted["before_as_of"].set_index("member_id").sort_index()
    got = mart.set_index("member_id").sort_index()
    np.testing.assert_allclose(got["churn_risk"], expected["churn_risk"], rtol=1e-12)
    np.testing.assert_allclose(got["p_alive"], expected["p_alive"], rtol=1e-12)
    # BG/NBD outputs are null exactly for members without a purchase
    no_purchase = mart["frequency"].isna()
    assert mart.loc[no_purchase, ["p_alive", "expected_value_90d", "age"]].isna().all().all()
    assert mart.loc[~no_purchase, ["p_alive", "expected_value_90d", "age"]].notna().all().all()
    assert (mart["churn_risk_method"] == "learned").all()
    assert sorted(mart["churn_risk_rank"]) == list(range(1, len(mart) + 1))


def test_the_parameters_mart_records_converged_fits(planted):
    p = planted["parameters"]
    bg = p.loc[p["model"] == "bgnbd"].set_index("parameter")
    assert sorted(bg.index) == ["a", "alpha", "b", "r"]
    assert bg["converged"].all() and (bg["gradient_norm"] < churn.GRADIENT_TOLERANCE).all()
    gg = p.loc[p["model"] == "gamma_gamma"].set_index("parameter")
    assert sorted(gg.index) == ["gamma", "p", "q"]
    assert gg.loc["q", "value"] > 1
    classifier = p.loc[p["model"] == "churn_classifier"]
    assert set(classifier["parameter"]) == set(churn.FEATURES)
    assert classifier["holdout_auc"].notna().all() and classifier["training_rows"].gt(0).all()


def test_fallback_when_no_month_end_has_a_known_outcome(planted):
    with duckdb.connect(str(planted["db"]), read_only=True) as con:
        first = con.execute("select min(month_end) from marts.member_segment_history"
                            " where month_end >= (select min(first_purchase_date) + 7"
                            " from marts.member_segments)").fetchone()[0]
        early = month_end(first + dt.timedelta(days=1))  # the second month with buyers: nothing to train on
        assert not churn.training_month_ends(con, early)
        result = churn.score(con, early, diagnostics=False)
    s = result.scores
    assert result.method == "bgnbd_fallback"
    buyers = s["frequency"].notna()
    np.testing.assert_array_equal(s.loc[buyers, "churn_risk"], s.loc[buyers, "p_no_purchase_90d"])
    assert s.loc[~buyers, "churn_risk"].isna().all()
    assert set(s["churn_risk_method"]) <= {"bgnbd_fallback", "none"}
    assert (s.loc[~buyers, "churn_risk_method"] == "none").all()


def test_a_cutoff_the_warehouse_has_no_history_for_is_refused(planted):
    with duckdb.connect(str(planted["db"]), read_only=True) as con, \
            pytest.raises(ValueError, match="complete month ends"):
        churn.scores_as_of(con, planted["cutoff"] - dt.timedelta(days=1))


def test_a_non_converging_fit_fails_the_run_and_keeps_the_warehouse(planted, tmp_path, monkeypatch):
    """A build whose BG/NBD fit cannot converge fails; the last good warehouse stays."""
    from radar import pipeline

    db = tmp_path / "copy.duckdb"
    db.write_bytes(Path(planted["db"]).read_bytes())
    before = query(db, "select count(*), sum(churn_risk) from marts.member_churn_risk")

    def broken(*args, **kwargs):
        raise churn.ChurnModelError("bgnbd fit did not converge (planted)")

    monkeypatch.setattr(churn, "fit_bgnbd", broken)
    landing = Path(planted["db"]).parent / "landing"
    with pytest.raises(churn.ChurnModelError, match="did not converge"):
        pipeline.run(landing, db, docs_dir=None, reload=True, data_tests=not FAST)
    assert query(db, "select count(*), sum(churn_risk) from marts.member_churn_risk") == before
    assert not db.with_name(db.name + ".building").exists()


@pytest.mark.parametrize("cap", [50, 400])
def test_the_training_sample_read_alone_equals_the_full_features_sampled(planted, monkeypatch, cap):
    # training_features filters the query to the sampled members; the rows
    # must be exactly those of the full feature table sampled afterwards
    monkeypatch.setattr(churn, "MAX_TRAINING_ROWS", cap)
    with duckdb.connect(str(planted["db"]), read_only=True) as con:
        ends = churn.training_month_ends(con, planted["as_of"])
        full = churn.member_features(con, ends, planted["as_of"])
        sampled = churn.training_features(con, ends, planted["as_of"])
    fraction = cap / int(full["is_alive"].sum())
    assert fraction < 1
    expected = full.loc[churn._member_sample(full["member_id"], fraction)]
    assert 0 < len(expected) < len(full)
    pd.testing.assert_frame_equal(sampled.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_exact=True)
