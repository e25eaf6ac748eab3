"""radar/rebuild.py: from which date a nightly run rebuilds, worked by hand on
a landing of a few rows (the end-to-end runs are in test_incremental.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from radar import rebuild


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema landing")
    con.execute("create table landing.orders (order_id varchar, ordered_at timestamp)")
    con.execute("create table landing.load_log (batch varchar)")
    con.execute("create table landing.batch_touches (batch varchar, file varchar, touched_from_utc timestamp)")
    # UTC wall-clock times; Asia/Shanghai is UTC+8
    con.execute("""insert into landing.orders values
        ('o1', timestamp '2024-03-10 02:00:00'), ('o2', timestamp '2024-05-31 16:30:00')""")
    con.execute("insert into landing.load_log values ('batch_0001'), ('batch_0002')")
    con.execute("""insert into landing.batch_touches values
        ('batch_0001', 'orders', timestamp '2024-01-01 00:00:00'),
        ('batch_0002', 'orders', timestamp '2024-04-30 16:00:00'),
        ('batch_0002', 'order_items', timestamp '2024-04-30 15:59:59'),
        ('batch_0002', 'members', null)""")
    yield con
    con.close()


def test_the_cut_off_is_the_latest_local_order_date(con):
    # 2024-05-31 16:30 UTC is 2024-06-01 00:30 in Shanghai
    assert rebuild.as_of_date(con, {}) == dt.date(2024, 6, 1)
    assert rebuild.as_of_date(con, {"as_of_date": "2024-04-15"}) == dt.date(2024, 4, 15)


def test_nothing_on_record_or_a_changed_project_builds_whole(con):
    assert rebuild.rebuild_from(con, None, {}, "dev")[0] is None
    previous = rebuild.BuildState("batch_0001", dt.date(2024, 6, 1), rebuild.fingerprint({}, "dev"))
    assert rebuild.rebuild_from(con, previous, {"min_group_size": 11}, "dev")[0] is None
    assert rebuild.rebuild_from(con, previous, {}, "postgres")[0] is None


def test_the_earliest_local_date_touched_since_the_last_build(con):
    fingerprint = rebuild.fingerprint({}, "dev")
    # batch_0002's earliest touch, 2024-04-30 15:59:59 UTC, is still April 30
    # in Shanghai (23:59:59); 16:00:00 would be May 1. batch_0001 was built.
    previous = rebuild.BuildState("batch_0001", dt.date(2024, 6, 1), fingerprint)
    assert rebuild.rebuild_from(con, previous, {}, "dev")[0] == dt.date(2024, 4, 30)
    # everything built: only the cut-off's own day (nothing touched)
    previous = rebuild.BuildState("batch_0002", dt.date(2024, 6, 1), fingerprint)
    assert rebuild.rebuild_from(con, previous, {}, "dev")[0] == dt.date(2024, 6, 1)


def test_a_moved_cut_off_rebuilds_from_the_earlier_one(con):
    fingerprint = rebuild.fingerprint({}, "dev")
    previous = rebuild.BuildState("batch_0002", dt.date(2024, 5, 20), fingerprint)
    assert rebuild.rebuild_from(con, previous, {}, "dev")[0] == dt.date(2024, 5, 20)
    # as_of_date is not part of the fingerprint: moving it back is incremental
    assert rebuild.fingerprint({"as_of_date": "2024-03-31"}, "dev") == fingerprint
    assert rebuild.rebuild_from(con, previous, {"as_of_date": "2024-03-31"}, "dev")[0] == dt.date(2024, 3, 31)


def test_record_then_read_back(con):
    rebuild.record(con, {}, "dev", dt.date(2024, 4, 30), dt.datetime(2024, 6, 2, 1))
    state = rebuild.last_build(con)
    assert state == rebuild.BuildState("batch_0002", dt.date(2024, 6, 1), rebuild.fingerprint({}, "dev"))
