"""Incremental models (issues 5 and 15): a nightly run rebuilds every month
from the earliest date touched by rows newer than the last complete build
(var rebuild_from_date, radar/rebuild.py), incremental-then-incremental
equals a full refresh, table by table, on data with late changes, and any
incremental model run alone gives the table a full build gives.

The landing: a generated tiny world (batch_0001 = history, batch_0002 = the
last day, late refunds on months-old orders, a handover), then two batches
written here from what the warehouse holds:

* batch_0003, the next day: a new member joins and buys (as_of moves one
  day), a months-old line is refunded in full (the order stops being a
  purchase), another old order is re-sent cancelled with its date moved to
  another month, and an open membership is closed (the member leaves).
* batch_0004: only a partial refund on one line of an order in month X. The
  cut-off does not move, so the run rebuilds from that order's date on.

Paths compared: the same warehouse file built batch by batch (the nightly
job, every data test run; in make test-fast without them, conftest.FAST) against a fresh build of the whole landing (without
data tests: conftest.reference_build), and against
``dbt build --full-refresh`` on the nightly file itself. (An earlier AS_OF on
a night-by-night warehouse against a fresh build with that AS_OF, every table:
test_warnings.py, on the same two first nights.)
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import (
    DBT_TARGET,
    SCENARIO_DBT_FLAGS,
    assert_same_tables,
    make_run,
    query,
    reference_build,
    tables,
    two_nights,
)

from radar.pipeline import dbt_session, run_dbt

LOCAL = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, no daylight saving


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def ts(value: dt.datetime) -> str:
    """A landing timestamp as the business writes it: local time, +08:00."""
    local = value.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return local.strftime("%Y-%m-%dT%H:%M:%S+08:00")


ITEM_HEADER = ["order_id", "line_no", "sku", "category_code", "quantity", "line_amount", "refunded_amount"]
ORDER_HEADER = ["order_id", "member_id", "ordered_at", "status"]


def next_day_batch(db: Path, out: Path) -> dict:
    """batch_0003 (see the module doc), from the landing the warehouse holds."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        as_of = con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0]
        months = [m for (m,) in con.execute(
            "select distinct order_month from intermediate.int_orders where is_purchase order by 1").fetchall()]
        refund_month, cancel_month, move_to = months[2], months[4], months[6]
        # a one-line purchase in refund_month, refunded in full
        item = con.execute("""
            select i.order_id, i.line_no, i.sku, i.category_code, i.quantity, i.line_amount
            from landing.order_items as i
            inner join intermediate.int_orders as o on o.order_id = i.order_id
            where o.order_month = ? and o.is_purchase and o.order_id in (
                select order_id from landing.order_items group by 1 having count(*) = 1)
            order by 1 limit 1""", [refund_month]).fetchone()
        # a paid order in cancel_month, re-sent cancelled and dated in move_to
        moved = con.execute("""
            select o.order_id, o.member_id from landing.orders as o
            inner join intermediate.int_orders as f on f.order_id = o.order_id
            where f.order_month = ? and f.is_purchase order by 1 limit 1""", [cancel_month]).fetchone()
        # an open membership of a member who joined long ago: she leaves
        leaving = con.execute("""
            select member_id, group_id, joined_at from landing.group_memberships
            where left_at is null order by joined_at, member_id limit 1""").fetchone()
        refunded_at, moved_from = (con.execute(
            "select ordered_at from landing.orders where order_id = ?", [order]).fetchone()[0]
            for order in (item[0], moved[0]))
        member = con.execute("select * from landing.members order by member_id limit 1").fetchone()
        group_id = con.execute("""
            select group_id from landing.groups where closed_at is null order by 1 limit 1""").fetchone()[0]
    day = as_of + dt.timedelta(days=1)
    noon = dt.datetime.combine(day, dt.time(12), dt.timezone(dt.timedelta(hours=8)))
    new_member = "M9000001"
    write_csv(out / "members.csv", ["member_id", "tier", "joined_at", "referrer_member_id", "province"],
              [(new_member, 399, ts(noon - dt.timedelta(hours=2)), member[0], "广东")])
    write_csv(out / "group_memberships.csv", ["member_id", "group_id", "joined_at", "left_at"],
              [(new_member, group_id, ts(noon - dt.timedelta(hours=1)), ""),
               (leaving[0], leaving[1], ts(leaving[2]), ts(noon - dt.timedelta(days=6)))])
    moved_at = dt.datetime.combine(move_to + dt.timedelta(days=9), dt.time(15), dt.timezone(dt.timedelta(hours=8)))
    write_csv(out / "orders.csv", ORDER_HEADER,
              [("O9000001", new_member, ts(noon), "paid"), (moved[0], moved[1], ts(moved_at), "cancelled")])
    write_csv(out / "order_items.csv", ITEM_HEADER,
              [("O9000001", 1, "SKU-NEW-1", "skincare", 1, "299.00", "0.00"),
               (*item, f"{item[5]:.2f}")])
    return {"as_of": as_of, "day": day, "refund_month": refund_month, "cancel_month": cancel_month,
            "move_to": move_to, "refunded_order": item[0], "moved_order": moved[0],
            "leaving": leaving[:2], "noon": noon, "moved_at": moved_at,
            # UTC wall-clock times, as the landing stores them
            "refunded_at": refunded_at, "moved_from": moved_from}


def late_refund_batch(db: Path, out: Path) -> dict:
    """batch_0004: a partial refund on one line of an order in one old month."""
    with duckdb.connect(str(db), read_only=True) as con:
        months = [m for (m,) in con.execute(
            "select distinct order_month from intermediate.int_orders where is_purchase order by 1").fetchall()]
        month = months[len(months) // 2]
        item = con.execute("""
            select i.order_id, i.line_no, i.sku, i.category_code, i.quantity, i.line_amount
            from landing.order_items as i
            inner join intermediate.int_orders as o on o.order_id = i.order_id
            where o.order_month = ? and o.is_purchase and i.refunded_amount = 0 and i.line_amount >= 2
            order by 1, 2 limit 1""", [month]).fetchone()
    write_csv(out / "order_items.csv", ITEM_HEADER, [(*item, "1.00")])
    with duckdb.connect(str(db), read_only=True) as con:
        order_date = con.execute("select order_date from intermediate.int_orders where order_id = ?",
                                 [item[0]]).fetchone()[0]
    return {"month": month, "order_id": item[0], "order_date": order_date}


def dbt(db: Path, *args: str) -> None:
    """A plain dbt command on ``db``, as the pipeline runs dbt (radar.pipeline.run_dbt: the
    worker's target folder and partial parse, no vars); its output goes to a log beside ``db``."""
    try:
        run_dbt(list(args), db, {})
    except RuntimeError as error:
        log = Path(str(error).rsplit("full output: ", 1)[-1].rstrip(")"))
        raise AssertionError(f"{error}\n{log.read_text(encoding='utf-8')[-4000:]}") from None


def last_rebuild_from(db: Path) -> dt.date | None:
    return query(db, "select rebuild_from_date from landing.build_log order by built_at desc limit 1")[0][0]


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict:
    # batch_0001, then batch_0002 on nightly.duckdb (conftest.two_nights)
    base = two_nights(tmp_path_factory)
    landing = base / "landing"
    out: dict = {"base": base, "landing": landing}

    nightly = base / "nightly.duckdb"
    out["batch_0003"] = next_day_batch(nightly, landing / "batch_0003")
    make_run(landing, nightly)
    out["touches_0003"] = dict(query(nightly, "select file, touched_from_utc from landing.batch_touches "
                                              "where batch = 'batch_0003'"))
    out["rebuild_0003"] = last_rebuild_from(nightly)
    out["batch_0004"] = late_refund_batch(nightly, landing / "batch_0004")
    make_run(landing, nightly)
    # dbt's output of that run's main build (a new rebuild_from_date, same worker and warehouse)
    out["build_log_0004"] = (base / "nightly.duckdb.dbt_build_nightly.log").read_text(encoding="utf-8")
    out["after_0004"] = base / "after_0004.duckdb"
    shutil.copyfile(nightly, out["after_0004"])
    out["rebuild_0004"] = last_rebuild_from(nightly)
    out["history_stamps"] = query(nightly, "select month, min(loaded_through_batch), max(loaded_through_batch) "
                                           "from marts.member_segment_history group by 1 order by 1")
    out["nightly"] = tables(nightly)

    fresh = base / "fresh.duckdb"
    reference_build(landing, fresh)
    out["fresh"] = tables(fresh)
    out["fresh_build_log"] = (base / "fresh.duckdb.dbt_build_nightly.log").read_text(encoding="utf-8")

    dbt(nightly, "build", "--full-refresh", *SCENARIO_DBT_FLAGS)
    out["nightly_full_refresh"] = tables(nightly)

    return out


def test_nightly_incremental_equals_a_fresh_build(paths):
    assert_same_tables(paths["nightly"], paths["fresh"])


def test_nightly_incremental_equals_full_refresh(paths):
    assert_same_tables(paths["nightly"], paths["nightly_full_refresh"])


def test_late_refund_rebuilds_from_its_order_date_on(paths):
    # batch_0004 holds one refunded line and moves no cut-off: the run
    # rebuilds from that order's local date (its month) on
    b = paths["batch_0004"]
    assert paths["rebuild_0004"] == b["order_date"]
    # months from that month on were rewritten by the run of batch_0004
    # (member_segment_history stamps its rows), earlier ones kept
    month = b["month"]
    assert any(m < month for m, _, _ in paths["history_stamps"])
    for history_month, first_stamp, last_stamp in paths["history_stamps"]:
        if history_month >= month:
            assert first_stamp == last_stamp == "batch_0004", history_month
        else:
            assert last_stamp < "batch_0004", history_month


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def test_next_day_batch_rebuilds_from_the_earliest_touched_date(paths):
    b = paths["batch_0003"]
    noon = b["noon"]
    # per file, the earliest time the new and the old versions touch (worked
    # out from the batch as next_day_batch wrote it)
    assert paths["touches_0003"] == {
        # the new order at noon, the moved order's new time and its old one
        "orders": min(utc(noon), utc(b["moved_at"]), b["moved_from"]),
        # the lines of the new order and of the refunded order
        "order_items": min(utc(noon), b["refunded_at"]),
        # the new member joined two hours before noon, her membership one hour
        "members": utc(noon - dt.timedelta(hours=2)),
        # the new membership, and the leaver's end date (it had none before)
        "group_memberships": utc(noon - dt.timedelta(days=6)),
    }
    # the run starts from the earliest local date of those and the cut-offs
    local = [t.replace(tzinfo=dt.UTC).astimezone(LOCAL).date() for t in paths["touches_0003"].values()]
    assert paths["rebuild_0003"] == min([*local, b["as_of"]])
    assert paths["rebuild_0003"] == b["refunded_at"].replace(tzinfo=dt.UTC).astimezone(LOCAL).date()
    assert paths["rebuild_0003"] > paths["history_stamps"][0][0], "a next-day batch must leave some months alone"


def test_the_late_changes_reached_the_marts(paths):
    # guards the equality tests against a batch that changed nothing
    # (int_orders without its run columns: order_id, member_id, status, order_date,
    # line_count, net_amount, is_purchase, order_month)
    orders = {row[0]: dict(zip(("order_id", "member_id", "status", "order_date", "line_count", "net_amount",
                                "is_purchase", "order_month"), row, strict=True))
              for row in paths["nightly"]["intermediate.int_orders"]}
    b = paths["batch_0003"]
    assert orders[b["refunded_order"]]["is_purchase"] is False  # refunded in full
    assert orders[b["refunded_order"]]["net_amount"] == 0
    assert orders[b["moved_order"]]["status"] == "cancelled"
    assert orders[b["moved_order"]]["order_month"] == b["move_to"]  # moved
    assert orders["O9000001"]["is_purchase"] is True


def incremental_models() -> list[str]:
    """Every month-incremental model, from dbt's manifest (so a new one is covered)."""
    manifest = json.loads((DBT_TARGET / "manifest.json").read_text(encoding="utf-8"))
    return sorted(node["name"] for node in manifest["nodes"].values()
                  if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
                  and "backtest" not in node["tags"])


def test_every_incremental_model_run_alone_gives_the_full_build_table(paths, tmp_path):
    """A model run alone (no rebuild_from_date: any plain dbt command) is built
    whole, whatever its table held: here every incremental table loses its
    oldest month and gets a stale row copied into another month first."""
    models = incremental_models()
    assert len(models) >= 14, models
    db = tmp_path / "alone.duckdb"
    shutil.copyfile(paths["after_0004"], db)
    with duckdb.connect(str(db)) as con:
        for model in models:
            schema = con.execute("select schema_name from duckdb_tables() where table_name = ?",
                                 [model]).fetchone()[0]
            month = con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
                "and column_name in ('month', 'order_month', 'purchase_month', 'window_month')",
                [schema, model]).fetchone()[0]
            con.execute(f"delete from {schema}.{model} where {month} = (select min({month}) from {schema}.{model})")
    # the example first: one mart, run alone, plain `dbt run`
    dbt(db, "run", "--select", "group_health_monthly")
    dbt(db, "build", "--select", "fct_member_tenure_windows", "--exclude-resource-type", "unit_test")
    dbt(db, "run", "--select", *models, "--full-refresh")
    after = tables(db)
    fresh = paths["fresh"]
    for model in models:
        name = next(n for n in fresh if n.endswith("." + model))
        assert after[name] == fresh[name], name


def test_a_model_run_alone_after_its_stale_month_is_rebuilt(paths, tmp_path):
    """Without --full-refresh too: the issue's example (`dbt run -s
    group_health_monthly` compiled to `where 1 = 0` and kept stale rows)."""
    db = tmp_path / "alone.duckdb"
    shutil.copyfile(paths["after_0004"], db)
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.group_health_monthly set active_members = active_members + 1")
    dbt(db, "run", "--select", "group_health_monthly")
    name = "marts.group_health_monthly"
    assert tables(db)[name] == paths["fresh"][name]


def test_a_new_cut_off_and_rebuild_date_keep_dbt_s_parse(paths):
    """The run vars that change every night reach dbt as environment variables
    (macro run_var): dbt re-parses the files that read them, not the whole project
    as it would for a changed --vars."""
    log = paths["build_log_0004"]
    assert "Unable to do partial parsing" not in log and "full parse" not in log, log[:2000]
    # a changed var: as --vars, it would have re-parsed the project
    assert paths["rebuild_0003"] != paths["rebuild_0004"] is not None


def test_a_warehouse_of_another_name_keeps_dbt_s_parse(paths):
    """dbt opens every warehouse as radar.duckdb (radar.pipeline._stable_duckdb_path):
    fresh.duckdb, built right after nightly.duckdb, does not change dbt's profile."""
    assert "Unable to do partial parsing" not in paths["fresh_build_log"], paths["fresh_build_log"][:2000]


def test_the_pipeline_s_cut_off_is_the_models_cut_off(paths):
    """radar/rebuild.py mirrors int_run_parameters (latest local order date,
    through the local_date macro's expression): the two must agree."""
    recorded = query(paths["after_0004"], "select as_of_date from landing.build_log order by built_at desc limit 1")
    built = query(paths["after_0004"], "select as_of_date from intermediate.int_run_parameters")
    assert recorded == built


def compiled_grain_tests() -> dict[str, tuple[str | None, str, str]]:
    """Every unique_combination_of_columns test of the last `dbt compile`: its rebuilt_month and
    days_before arguments and its compiled SQL (this worker's manifest)."""
    manifest = json.loads((DBT_TARGET / "manifest.json").read_text(encoding="utf-8"))
    return {node["name"]: (node["test_metadata"]["kwargs"].get("rebuilt_month"),
                           str(node["test_metadata"]["kwargs"].get("days_before", 0)),
                           node.get("compiled_code") or "")
            for node in manifest["nodes"].values()
            if node["resource_type"] == "test"
            and (node.get("test_metadata") or {}).get("name") == "unique_combination_of_columns"}


def test_a_nightly_run_tests_the_keys_of_the_months_it_rebuilt(tmp_path):
    """A grain test that names the table's month (argument rebuilt_month, macro tested_months)
    checks, in a nightly run, the months the run rewrote: from rebuild_from_date's month on,
    or from the month of that date less the model's days_before (the tenure windows reach back
    tenure_window_days - 1 = 29 days: 2024-05-17 - 29 days = 2024-04-18, so April); built
    whole (--full-refresh, or no rebuild date: any plain dbt command) it checks the whole table."""
    db = tmp_path / "radar.duckdb"
    duckdb.connect(str(db)).close()
    select = ["--select", "test_name:unique_combination_of_columns", "--exclude", "tag:backtest"]
    with dbt_session(db, {"rebuild_from_date": "2024-05-17"}) as session:
        session.run(["compile", *select])
        nightly = compiled_grain_tests()
        session.run(["compile", *select, "--full-refresh"])
        full_refresh = compiled_grain_tests()
    dbt(db, "compile", *select)
    plain = compiled_grain_tests()
    scoped = {name: column for name, (column, _, _) in nightly.items() if column}
    # the month-incremental tables whose key holds the month (README, "Incremental runs")
    assert len(scoped) >= 13, scoped
    assert any("_member_segment_history_" in name for name in scoped), scoped
    first_month = {"0": "2024-05-01", "{{ var('tenure_window_days') - 1 }}": "2024-04-01"}
    assert sum("_tenure_windows_" in name for name in scoped) == 2, scoped
    for name, (column, days_before, sql) in nightly.items():
        if column:
            assert f"where {column} >= cast('{first_month[days_before]}' as date)" in sql, (name, sql)
        else:
            assert "where" not in sql.lower(), (name, sql)
    for name, (column, _, sql) in [*full_refresh.items(), *plain.items()]:
        if column:
            assert f"where {column} >= " not in sql and "1 = 1" in sql, (name, sql)
