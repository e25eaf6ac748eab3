"""Radar console (console/): every page through streamlit's AppTest, and the
semantic layer it follows.

* Every page renders without an exception on the tiny warehouse (the session
  ``tiny_db``), in Chinese and in English, and on an empty warehouse (the same
  file with every mart emptied, as a build with zero members leaves it).
* A missing file, a warehouse locked by a writer and one lacking a mart give
  one line of error, not a traceback.
* Filters change what is shown; the overview's KPIs equal the same metrics
  computed here from the marts with SQL of the test's own.
* The semantic layer (models/marts/semantic/) validates against the built
  warehouse (``mf validate-configs``, warehouse checks included), and
  MetricFlow's answers equal the console's queries (console/queries.py).

The browser end-to-end check is pytests/test_console_browser.py.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import ROOT, query

sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from console import i18n, queries  # noqa: E402
from radar import alerts  # noqa: E402

APP = ROOT / "console" / "app.py"
#: (page file, label key of its title)
PAGES = (
    ("views/overview.py", "page_overview"),
    ("views/tenure.py", "page_tenure"),
    ("views/groups.py", "page_groups"),
    ("views/categories.py", "page_categories"),
    ("views/cohorts.py", "page_cohorts"),
    ("views/warnings.py", "page_warnings"),
    ("views/members.py", "page_members"),
    ("views/quality.py", "page_quality"),
)
BIN = Path(sys.executable).parent


# --------------------------------------------------------------------------- fixtures and helpers


def copy_db(src: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dst = directory / "radar.duckdb"
    shutil.copyfile(src, dst)
    return dst


@pytest.fixture(scope="module")
def tiny_db(tiny_backtested) -> Path:
    """Overrides conftest's: the same tiny warehouse after `make backtest` (3 cut-offs), which the
    warning-quality page reads; every other page reads it unchanged."""
    return tiny_backtested


@pytest.fixture(scope="module")
def empty_db(tiny_db, tmp_path_factory) -> Path:
    """The tiny warehouse with every mart emptied: what a build with zero members serves."""
    db = copy_db(tiny_db, tmp_path_factory.mktemp("console_empty"))
    with duckdb.connect(str(db)) as con:
        tables = con.execute("select table_name from information_schema.tables "
                             "where table_schema = 'marts' and table_type = 'BASE TABLE'").fetchall()
        for (table,) in tables:
            con.execute(f"delete from marts.{table}")
    return db


def open_app(db: Path, page: str | None = None, lang: str = "zh", **state) -> AppTest:
    os.environ["RADAR_DB_PATH"] = str(db)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


@pytest.fixture(autouse=True)
def _restore_db_env():
    before = os.environ.get("RADAR_DB_PATH")
    yield
    if before is None:
        os.environ.pop("RADAR_DB_PATH", None)
    else:
        os.environ["RADAR_DB_PATH"] = before


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def decode(value):
    """plotly's JSON: numeric arrays may be typed arrays ({dtype, bdata[, shape]}); give plain lists."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            shape = value["shape"]
            array = array.reshape([int(n) for n in shape.split(",")] if isinstance(shape, str) else shape)
        return array.tolist()
    if isinstance(value, dict):
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def charts(at: AppTest) -> list[dict]:
    return [decode(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def metric_deltas(at: AppTest) -> dict[str, str]:
    return {m.label: m.proto.delta for m in at.metric}


def zh(key: str, **values) -> str:
    return i18n.label("zh", key, **values)


def pct(value) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


# --------------------------------------------------------------------------- labels


def test_monthly_axes_read_as_months_and_daily_axes_as_days():
    from console.ui import date_axis_format

    months = [np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[ns]")]
    assert date_axis_format(months) == "%Y-%m"  # a monthly mart: no "-01" day on the axis
    assert date_axis_format([[dt.date(2024, 1, 1), dt.date(2024, 2, 1)]]) == "%Y-%m"
    # one date that is not a first of the month makes the axis daily
    assert date_axis_format([*months, [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]]) == "%Y-%m-%d"
    assert date_axis_format([["a", "b"], [1, 2]]) is None  # categories, numbers: no date format


def test_a_few_cutoff_dates_get_a_tick_each():
    import pandas as pd
    import plotly.graph_objects as go

    from console.ui import style_date_axis

    cutoffs = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    fig = go.Figure(go.Scatter(x=cutoffs, y=[1, 2, 3]))
    style_date_axis(fig)
    assert fig.layout.xaxis.tickformat == "%Y-%m-%d"
    assert [pd.Timestamp(v).date() for v in fig.layout.xaxis.tickvals] == cutoffs
    months = go.Figure(go.Bar(x=[dt.date(2024, m, 1) for m in (1, 2, 3)], y=[1, 2, 3]))
    style_date_axis(months)
    assert (months.layout.xaxis.tickformat, months.layout.xaxis.dtick) == ("%Y-%m", "M1")


def test_both_languages_have_every_label():
    assert set(i18n.LABELS["zh"]) == set(i18n.LABELS["en"])
    assert all(text.strip() for labels in i18n.LABELS.values() for text in labels.values())


def test_pages_in_the_app_are_the_pages_tested():
    from console import app_pages

    assert [path for path, _, _ in app_pages.PAGES] == [path for path, _ in PAGES]
    assert all((ROOT / "console" / path).exists() for path, _ in PAGES)


# --------------------------------------------------------------------------- every page renders


@pytest.mark.parametrize("page,title_key", PAGES, ids=[p.split("/")[1][:-3] for p, _ in PAGES])
def test_page_renders_with_data_in_both_languages(tiny_db, page, title_key):
    for lang in i18n.LANGUAGES:
        at = open_app(tiny_db, page, lang=lang)
        no_exception(at)
        assert not at.error, [e.value for e in at.error]
        assert [t.value for t in at.title] == [f"{i18n.label(lang, 'app_title')} · {i18n.label(lang, title_key)}"]
        assert charts(at), f"{page} ({lang}) shows no chart"
        for chart in charts(at):
            assert any(trace.get("z") or trace.get("y") or trace.get("x") for trace in chart["data"]), page


@pytest.mark.parametrize("page,title_key", PAGES, ids=[p.split("/")[1][:-3] for p, _ in PAGES])
def test_page_renders_on_an_empty_warehouse(empty_db, page, title_key):
    at = open_app(empty_db, page)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [f"{zh('app_title')} · {zh(title_key)}"]
    assert zh("no_data") in [e.value for e in at.info], page


def test_missing_warehouse_is_one_line(tmp_path):
    at = open_app(tmp_path / "nowhere" / "radar.duckdb", "views/groups.py")
    no_exception(at)
    assert [e.value for e in at.error] == [zh("wh_missing", path=tmp_path / "nowhere" / "radar.duckdb")]
    assert not at.get("plotly_chart")


def test_warehouse_without_a_mart_is_one_line(tiny_db, tmp_path):
    db = copy_db(tiny_db, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.early_warnings")
    at = open_app(db)
    no_exception(at)
    assert [e.value for e in at.error] == [zh("wh_incomplete", tables="marts.early_warnings", path=db)]


def test_locked_warehouse_is_one_line(tiny_db, tmp_path):
    """A writer holding the file (a rebuild in place) makes the console say so, in one line."""
    db = copy_db(tiny_db, tmp_path)
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
         " sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        at = open_app(db, lang="en")
        no_exception(at)
        assert [e.value for e in at.error] == [i18n.label("en", "wh_locked", path=db)]
    finally:
        writer.communicate("", timeout=30)


def test_rebuild_in_progress_is_noted(tiny_db, tmp_path):
    from radar.runlock import work_path

    db = copy_db(tiny_db, tmp_path)
    at = open_app(db)
    no_exception(at)
    assert zh("wh_building") not in [e.value for e in at.info]
    work_path(db).write_bytes(b"")  # the work file a run builds in, named as the pipeline names it
    at = open_app(db)
    no_exception(at)
    assert zh("wh_building") in [e.value for e in at.info]
    assert at.metric, "the last good build is still shown"


def test_console_never_reads_landing_or_staging():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "console").rglob("*.py"))
    for schema in ("landing.", "staging.", "stg_landing", "intermediate."):
        assert schema not in sources, schema
    assert "read_only=True" in (ROOT / "console" / "ui.py").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- overview KPIs


def independent_month_kpis(db: Path, month) -> dict:
    """The KPIs of one month straight from the marts, written here without console code."""
    (members, active, expected_weighted, sales, n_groups) = query(db, """
        select sum(roster_size), sum(active_members), sum(expected_activity_rate * roster_size),
               sum(sales), count(*)
        from marts.group_health_monthly where month = ?""", [month])[0]
    (new_members, activation_rate) = query(db, """
        select new_members, activation_rate from marts.funnel_monthly where month = ?""", [month])[0]
    return {
        "members": members, "active": active, "n_groups": n_groups,
        "activity_rate": active / members, "expected": expected_weighted / members,
        "sales": float(sales), "unit_output": float(sales) / active if active else None,
        "new_members": new_members, "activation_rate": activation_rate,
    }


def test_overview_kpis_equal_the_marts(tiny_db):
    (as_of,) = query(tiny_db, "select max(as_of_date) from marts.member_segments")[0]
    month = as_of.replace(day=1)
    previous = (month.replace(day=1) - __import__("datetime").timedelta(days=1)).replace(day=1)
    now, before = independent_month_kpis(tiny_db, month), independent_month_kpis(tiny_db, previous)
    (open_warnings, new_warnings) = query(tiny_db, "select count(*), count(*) filter (where is_new) "
                                                   "from marts.early_warnings")[0]

    at = open_app(tiny_db)
    no_exception(at)
    values, deltas = metric_values(at), metric_deltas(at)
    assert values[zh("kpi_members")] == f"{now['members']:,}"
    assert values[zh("kpi_active_members")] == f"{now['active']:,}"
    assert values[zh("kpi_activity_rate")] == pct(now["activity_rate"])
    assert values[zh("kpi_expected_activity_rate")] == pct(now["expected"])
    assert values[zh("kpi_sales")] == f"{now['sales']:,.0f}"
    assert values[zh("kpi_unit_output")] == f"{now['unit_output']:,.0f}"
    assert values[zh("kpi_new_members")] == f"{now['new_members']:,}"
    # activation compares complete cohorts only: the latest month whose new members all had 30 days
    complete = query(tiny_db, """select month, activation_rate from marts.funnel_monthly
                                 where month <= ? and new_members > 0 and activation_eligible = new_members
                                 order by month desc limit 2""", [month])
    label = f"{zh('kpi_activation_rate')} · {complete[0][0].strftime('%Y-%m')}"
    assert values[label] == pct(complete[0][1])
    assert deltas[label] == f"{(complete[0][1] - complete[1][1]) * 100:+.1f} pp"
    assert complete[0][0] < month  # as_of's own month is still filling in, and says so
    assert any(zh("filling_in") in c.value for c in at.caption)
    assert values[zh("kpi_open_warnings")] == f"{open_warnings:,}"
    assert values[zh("kpi_new_warnings")] == f"{new_warnings:,}"
    assert deltas[zh("kpi_members")] == f"{now['members'] - before['members']:+,}"
    assert deltas[zh("kpi_activity_rate")] == f"{(now['activity_rate'] - before['activity_rate']) * 100:+.1f} pp"
    assert deltas[zh("kpi_sales")] == f"{now['sales'] - before['sales']:+,.0f}"

    # the month filter: an earlier month shows that month's figures
    at.selectbox(key="overview_month").select(previous.strftime("%Y-%m")).run()
    no_exception(at)
    assert metric_values(at)[zh("kpi_members")] == f"{before['members']:,}"
    assert metric_values(at)[zh("kpi_activity_rate")] == pct(before["activity_rate"])

    # new warnings by code: one bar per alert code with new warnings, with its count
    by_code = dict(query(tiny_db, "select alert_name_zh, count(*) from marts.early_warnings where is_new "
                                  "group by 1"))  # alert names from the alert_catalog seed
    bars = charts(at)[0]["data"][0]
    assert dict(zip(bars["y"], bars["x"], strict=True)) == by_code


def test_overview_opens_on_the_last_complete_month_and_does_not_compare_a_month_to_date(tiny_db, tmp_path):
    """A warehouse whose last month is in progress (the marts flag it: is_complete_month
    false, as on any as_of_date before a month's last day): the page opens on the last
    complete month; the month in progress is labelled month to date, and what accrues over a
    month (active members, sales, output, new members) gets no delta against a whole month."""
    import datetime as dt

    db = copy_db(tiny_db, tmp_path)
    (last,) = query(db, "select max(month) from marts.group_health_monthly")[0]
    with duckdb.connect(str(db)) as con:
        for mart in ("group_health_monthly", "funnel_monthly"):
            con.execute(f"update marts.{mart} set is_complete_month = false where month = ?", [last])
    complete = (last - dt.timedelta(days=1)).replace(day=1)
    now, before = independent_month_kpis(db, last), independent_month_kpis(db, complete)

    at = open_app(db)
    no_exception(at)
    assert at.selectbox(key="overview_month").value == complete.strftime("%Y-%m")
    assert metric_values(at)[zh("kpi_sales")] == f"{before['sales']:,.0f}"

    at.selectbox(key="overview_month").select(f"{last.strftime('%Y-%m')} · {zh('mtd')}").run()
    no_exception(at)
    values, deltas = metric_values(at), metric_deltas(at)
    assert values[zh("kpi_sales")] == f"{now['sales']:,.0f}"
    assert values[zh("kpi_activity_rate")] == pct(now["activity_rate"])
    assert deltas[zh("kpi_members")] == f"{now['members'] - before['members']:+,}"
    for flow in ("kpi_active_members", "kpi_activity_rate", "kpi_sales", "kpi_unit_output", "kpi_new_members"):
        assert not deltas[zh(flow)], flow
    assert any(zh("mtd") in c.value for c in at.caption)


# --------------------------------------------------------------------------- filters


def test_tenure_tier_filter(tiny_db):
    at = open_app(tiny_db, "views/tenure.py")
    names = [trace["name"] for trace in charts(at)[0]["data"]]
    assert len(names) == 4  # two tiers, each with its baseline
    at.multiselect(key="tenure_tiers").set_value([399]).run()
    no_exception(at)
    traces = charts(at)[0]["data"]
    assert {trace["name"] for trace in traces} == {zh("tier_label", tier=399),
                                                  f"{zh('tier_label', tier=399)} · {zh('baseline')}"}
    rates = dict(query(tiny_db, "select tenure_bucket, active_rate from marts.tenure_activity where tier = 399"))
    solid = next(trace for trace in traces if trace["name"] == zh("tier_label", tier=399))
    assert dict(zip(solid["x"], solid["y"], strict=True)) == pytest.approx(rates)
    dashed = next(trace for trace in traces if trace["name"] != zh("tier_label", tier=399))
    assert dashed["line"]["dash"] == "dash"


def heatmap_rows(chart: dict) -> set[str]:
    return {row for trace in chart["data"] if trace["type"] == "heatmap" for row in trace["y"]}


def test_group_health_mentor_filter_and_drill(tiny_db):
    at = open_app(tiny_db, "views/groups.py")
    all_groups = heatmap_rows(charts(at)[0])
    assert all_groups == {g for (g,) in query(tiny_db, "select distinct group_id from marts.group_health_monthly")}

    mentor, expected = query(tiny_db, """
        select mentor_id, list(distinct group_id) from marts.group_health_monthly
        group by 1 order by count(distinct group_id) desc, 1 limit 1""")[0]
    at.selectbox(key="groups_mentor").select(mentor).run()
    no_exception(at)
    assert heatmap_rows(charts(at)[0]) == set(expected) != all_groups

    # grade colours: every graded cell sits in the trace of its grade
    grid = charts(at)[0]["data"]
    fail = next(trace for trace in grid if trace["type"] == "heatmap" and trace["name"] == "不及格")  # labels seed
    fail_cells = {(y, x) for y, row in zip(fail["y"], fail["z"], strict=True)
                  for x, z in zip(fail["x"], row, strict=True) if z is not None}
    expected_fail = {(g, m.strftime("%Y-%m")) for g, m in query(tiny_db, """
        select group_id, month from marts.group_health_monthly where mentor_id = ? and grade = 'fail'""", [mentor])}
    assert fail_cells == expected_fail

    # worst first: the top row (plotly draws the first category at the bottom) is a group
    # whose latest complete month is graded no better than any other group's
    rows = grid[0]["y"]
    (latest,) = query(tiny_db, "select max(month) from marts.group_health_monthly where is_complete_month")[0]
    ranks = dict(query(tiny_db, "select group_id, grade_rank from marts.group_health_monthly "
                                "where month = ? and mentor_id = ?", [latest, mentor]))
    graded = [ranks[g] for g in reversed(rows) if ranks.get(g) is not None]
    assert graded == sorted(graded, reverse=True)

    group = sorted(expected)[-1]
    at.selectbox(key="groups_drill").select(group).run()
    no_exception(at)
    table = at.dataframe[0].value
    assert len(table) == query(tiny_db, "select count(*) from marts.group_health_monthly where group_id = ?",
                               [group])[0][0]
    (month,) = query(tiny_db, "select max(month) from marts.group_health_monthly where group_id = ? "
                              "and is_complete_month", [group])[0]
    at.selectbox(key="groups_drill_month").select(month).run()
    no_exception(at)
    index = dict(query(tiny_db, """
        select categories.name_zh, output.output_index from marts.group_category_output_monthly as output
        join config.categories as categories using (category_code)
        where group_id = ? and month = ?""", [group, month]))
    bars = charts(at)[1]["data"][0]
    shown = dict(zip(bars["x"], bars["y"], strict=True))
    assert shown.keys() == index.keys()
    assert all((shown[k] is None and index[k] is None) or shown[k] == pytest.approx(index[k]) for k in index)


def test_categories_level_month_and_gaps(tiny_db):
    (month,) = query(tiny_db, "select max(month) from marts.mentor_category_output_monthly where is_complete_month")[0]
    at = open_app(tiny_db, "views/categories.py")
    no_exception(at)
    heat = charts(at)[0]["data"][0]
    assert set(heat["y"]) == {m for (m,) in query(
        tiny_db, "select distinct mentor_id from marts.mentor_category_output_monthly where month = ?", [month])}
    gaps = query(tiny_db, """
        select count(*) from marts.mentor_category_output_monthly where month = ? and is_gap""", [month])[0][0]
    assert sum(text.endswith("▼") for row in heat["text"] for text in row) == gaps

    at.radio(key="categories_level").set_value("group").run()
    no_exception(at)
    heat = charts(at)[0]["data"][0]
    assert set(heat["y"]) == {g for (g,) in query(
        tiny_db, "select distinct group_id from marts.group_category_output_monthly where month = ?", [month])}

    earlier = query(tiny_db, "select min(month) from marts.group_category_output_monthly")[0][0]
    at.selectbox(key="categories_month").select(earlier).run()
    assert set(charts(at)[0]["data"][0]["y"]) == {g for (g,) in query(
        tiny_db, "select distinct group_id from marts.group_category_output_monthly where month = ?", [earlier])}


def test_cohorts_and_funnel_mark_incomplete_months(tiny_db):
    at = open_app(tiny_db, "views/cohorts.py")
    no_exception(at)
    triangle, rates, kfactor = charts(at)
    cells = sum(z is not None for trace in triangle["data"] for row in trace["z"] for z in row)
    assert cells == query(tiny_db, "select count(*) from marts.cohort_retention_monthly")[0][0]
    incomplete_cells = sum(z is not None for row in triangle["data"][1]["z"] for z in row)
    assert incomplete_cells == query(tiny_db, "select count(*) from marts.cohort_retention_monthly "
                                              "where not is_complete_month")[0][0]

    # activation: months whose window-1 has not ended for every new member are on the dotted trace only
    funnel = query(tiny_db, "select strftime(month, '%Y-%m-%d'), activation_rate, is_complete_month "
                            "and activation_eligible = new_members from marts.funnel_monthly order by 1")
    solid, dotted = rates["data"][0], rates["data"][1]
    assert solid["name"] == zh("activation_rate") and dotted["line"]["dash"] == "dot"
    immature = [i for i, (_, _, mature) in enumerate(funnel) if not mature]
    assert immature, "the last month's members cannot all have ended their first window"
    for i, (_, rate, mature) in enumerate(funnel):
        if mature:
            assert solid["y"][i] == pytest.approx(rate)
        else:
            assert solid["y"][i] is None
            assert (dotted["y"][i] is None and rate is None) or dotted["y"][i] == pytest.approx(rate)
    kf = dict(query(tiny_db, "select strftime(month, '%Y-%m-%d'), k_factor from marts.funnel_monthly"))
    shown = [a if a is not None else b for a, b in zip(kfactor["data"][0]["y"], kfactor["data"][1]["y"], strict=True)]
    expected = [kf[m] for m, _, _ in funnel]
    assert all((a is None and b is None) or a == pytest.approx(b) for a, b in zip(shown, expected, strict=True))


def test_task_list_per_mentor_and_download(tiny_db, tmp_path):
    at = open_app(tiny_db, "views/warnings.py")
    no_exception(at)
    (tasks, within, over, kept) = query(tiny_db, """select sum(tasks), sum(within_capacity), sum(over_capacity),
                                                    sum(suppressed) from marts.mentor_task_summary""")[0]
    values = metric_values(at)
    assert (values[zh("tasks_count")], values[zh("tasks_within")], values[zh("tasks_over")],
            values[zh("tasks_kept_off")]) == (f"{tasks:,}", f"{within:,}", f"{over:,}", f"{kept:,}")
    assert not at.get("download_button")
    # the first table is the alert glossary (in the "how the list is made" expander)
    glossary, summary_table = at.dataframe[0].value, at.dataframe[1].value
    assert list(glossary.columns) == [zh("col_alert"), zh("col_severity"), zh("col_meaning")]
    assert len(glossary) == query(tiny_db, "select count(*) from config.alert_catalog")[0][0]
    assert list(summary_table.columns)[0] == zh("col_mentor")
    assert len(summary_table) == query(tiny_db, "select count(*) from marts.mentor_task_summary")[0][0]

    mentor = query(tiny_db, "select mentor_id from marts.mentor_tasks where mentor_id is not null "
                            "group by 1 order by count(*) desc, 1 limit 1")[0][0]
    at.selectbox(key="warnings_mentor").select(mentor).run()
    no_exception(at)
    expected = query(tiny_db, """select entity_id, message_zh, action_zh from marts.mentor_tasks
                                 where mentor_id = ? and within_capacity order by task_rank""", [mentor])
    table = at.dataframe[1].value  # glossary, then her list
    assert list(table[zh("col_rank")]) == [str(i) for i in range(1, len(expected) + 1)]
    assert list(zip(table[zh("col_entity_id")], table[zh("col_message")], table[zh("col_action")],
                    strict=True)) == expected
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [zh("download_mentor", mentor=mentor)]

    # English: the same list with English messages and actions
    at = open_app(tiny_db, "views/warnings.py", lang="en", warnings_mentor=mentor)
    no_exception(at)
    table = at.dataframe[1].value
    assert list(table[i18n.label("en", "col_action")]) == [a for (a,) in query(tiny_db, """
        select action_en from marts.mentor_tasks where mentor_id = ? and within_capacity order by task_rank""",
        [mentor])]

    # the download is the mentor export itself without nicknames (radar.alerts), not a copy of its logic
    from console import ui

    os.environ["RADAR_DB_PATH"] = str(tiny_db)
    name, data = ui.mentor_task_list(mentor)
    exported = alerts.export(tiny_db, tmp_path, with_nickname=False)
    assert name == f"{alerts.file_stem(mentor)}{alerts.WITHIN_SUFFIX}.csv"
    assert data == (exported.out_dir / name).read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert alerts.NICKNAME_HEADER not in rows[0] and len(rows) - 1 == len(expected)


def test_member_lookup(tiny_db):
    member, stage, segment_zh = query(tiny_db, """
        select member_id, labels.name_zh, segment_name_zh from marts.member_segments
        inner join config.labels as labels on labels.kind = 'lifecycle_stage' and labels.code = lifecycle_stage
        where purchases_total > 0
          and member_id in (select entity_id from marts.early_warnings where entity_type = 'member')
        order by member_id desc limit 1""")[0]
    at = open_app(tiny_db, "views/members.py")
    no_exception(at)
    first = query(tiny_db, "select min(member_id) from marts.member_segments")[0][0]
    assert at.text_input(key="members_id").value == first

    # case and surrounding spaces do not matter
    at.text_input(key="members_id").input(f" {member.lower()} ").run()
    no_exception(at)
    values = metric_values(at)
    assert values[zh("lifecycle_stage")] == stage
    assert values[zh("segment")] == segment_zh
    # churn risk and expected value as member_churn_risk holds them, in % and yuan with 2 decimals
    risk, value = query(tiny_db, "select churn_risk, expected_value_90d from marts.member_churn_risk "
                                 "where member_id = ?", [member])[0]
    assert values[zh("member_churn_risk")] == f"{risk * 100:.1f}%"
    assert values[zh("member_expected_value")] == f"{value:,.2f}"
    open_now = query(tiny_db, "select count(*) from marts.early_warnings where entity_type = 'member' "
                              "and entity_id = ?", [member])[0][0]
    assert open_now > 0 and len(at.dataframe[0].value) == open_now
    history = query(tiny_db, "select segment_rank from marts.member_segment_history where member_id = ? "
                             "order by month_end", [member])
    assert charts(at)[0]["data"][0]["y"] == [r for (r,) in history]

    at.text_input(key="members_id").input("NO-SUCH-MEMBER").run()
    no_exception(at)
    assert [w.value for w in at.warning] == [zh("member_not_found", member="NO-SUCH-MEMBER")]


def test_warning_quality_without_a_backtest_is_one_line(tiny_db, tmp_path):
    db = copy_db(tiny_db, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.alert_backtest")
    for lang in i18n.LANGUAGES:
        at = open_app(db, "views/quality.py", lang=lang)
        no_exception(at)
        assert [e.value for e in at.info] == [i18n.label(lang, "quality_not_run")]
        assert not at.get("plotly_chart") and not at.error


def test_warning_quality_shows_the_backtest_in_words(tiny_db):
    """Lift by cut-off per alert and score, AUC per score, base rate; names, never codes or None."""
    table = query(tiny_db, """
        select alert_code, cutoff_date, lift, auc, base_rate, is_score from marts.alert_backtest
        where horizon_days = (select max(horizon_days) from marts.alert_backtest)
        order by alert_code, cutoff_date""")
    codes = sorted({r[0] for r in table})
    assert len(codes) == 8
    per_cutoff = [r[0] for r in query(tiny_db, """
        select cast(sum(flagged) as double) / count(distinct cutoff_date) from marts.alert_backtest
        where horizon_days = (select max(horizon_days) from marts.alert_backtest) group by alert_code""")]
    for lang in i18n.LANGUAGES:
        at = open_app(tiny_db, "views/quality.py", lang=lang)
        no_exception(at)
        lift, auc, base = charts(at)
        names = {trace["name"] for trace in lift["data"]}
        if lang == "zh":
            catalog = dict(query(tiny_db, "select alert_code, name_zh from config.alert_catalog"))
            expected = {catalog.get(c) or i18n.label("zh", f"quality_alert_{c}") for c in codes}
        else:
            expected = {i18n.label("en", f"quality_alert_{c}") for c in codes}
        assert names == expected
        assert not any("_" in name for name in names)
        by_name = {trace["name"]: trace for trace in lift["data"]}
        for code in codes:
            name = (catalog.get(code) if lang == "zh" else None) or i18n.label(lang, f"quality_alert_{code}")
            # a cut-off where the alert flagged nobody has no lift: a gap in the line (NaN), null in SQL
            drawn = [None if isinstance(v, float) and math.isnan(v) else v for v in by_name[name]["y"]]
            assert drawn == [r[2] for r in table if r[0] == code]
        assert {trace["name"] for trace in auc["data"]} == {
            (i18n.label(lang, f"quality_alert_{c}")) for c in codes if c.startswith("score_")}
        assert base["data"][0]["y"] == [r[4] for r in table if r[0] == codes[0]]
        # one bar per cut-off: the axis says base rate, not "(latest cut-off)" as the KPI does
        assert base["layout"]["yaxis"]["title"]["text"] == i18n.label(lang, "quality_base_rate_axis")
        frame = at.dataframe[0].value
        cells = frame.astype(str).to_numpy().ravel().tolist()
        assert not any(cell in ("None", "nan", "NaN") or "_" in cell for cell in cells), cells
        assert len(frame) == 8
        # people flagged per cut-off: the mean over the cut-offs, as a whole number of people
        assert sorted(frame["flagged_per_cutoff"]) == sorted(f"{v:,.0f}" for v in per_cutoff)
        # a rule has no AUC: a dash, not a blank
        rules = frame[frame["kind"] == i18n.label(lang, "quality_kind_rule")]
        assert len(rules) == 5 and set(rules["auc"]) == {"–"}


# --------------------------------------------------------------------------- semantic layer


@pytest.fixture(scope="module")
def metricflow_project(tiny_db, tmp_path_factory) -> tuple[Path, dict]:
    """A project folder for ``mf`` over a copy of the tiny warehouse, with its own target/.

    mf reads ./target/semantic_manifest.json of the folder it runs in; a folder
    of links to the project with a target/ of its own keeps the shared target/
    (and the warehouse under test) untouched.
    """
    base = tmp_path_factory.mktemp("metricflow")
    db = copy_db(tiny_db, base / "db")
    project = base / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "models", "macros", "seeds", "tests", "analyses", "profiles"):
        (project / name).symlink_to(ROOT / name)
    env = dict(os.environ, RADAR_DB_PATH=str(db), DBT_PROFILES_DIR=str(ROOT / "profiles"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", MF_TRACKING_DISABLED="1")
    done = subprocess.run([str(BIN / "dbt"), "parse", "--quiet", "--target-path", str(project / "target")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project, env


def test_semantic_layer_validates_against_the_warehouse(metricflow_project):
    project, env = metricflow_project
    done = subprocess.run([str(BIN / "mf"), "validate-configs"], cwd=project, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Successfully validated metrics against data warehouse" in output


def test_every_page_is_an_exposure_and_every_metric_has_a_definition(metricflow_project):
    project, _ = metricflow_project
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    exposures = [e for e in manifest["exposures"].values() if e["package_name"] == "retention_radar"]
    assert len(exposures) == len(PAGES) and all(e["type"] == "dashboard" for e in exposures)
    from console import app_pages

    base = "http://127.0.0.1:8501/"
    assert {e["url"] for e in exposures} == {base} | {base + url for _, url, _ in app_pages.PAGES[1:]}
    metrics = {m["name"] for m in manifest["metrics"].values()}
    assert {"members", "active_members", "activity_rate", "expected_activity_rate", "sales", "unit_output",
            "graded_groups", "failing_groups", "open_warnings", "new_warnings", "retention_rate",
            "activation_rate", "cohort_retention_rate", "tenure_active_rate", "k_factor"} <= metrics
    spine = next(n for n in manifest["nodes"].values() if n["name"] == "metricflow_time_spine")
    assert spine["time_spine"]["standard_granularity_column"] == "date_day"


#: console column (queries.monthly_metrics) -> semantic-layer metric
METRIC_COLUMNS = {
    "members": "members", "active_members": "active_members", "activity_rate": "activity_rate",
    "expected_activity_rate": "expected_activity_rate", "sales": "sales", "unit_output": "unit_output",
    "graded_groups": "graded_groups", "failing_groups": "failing_groups", "new_members": "new_members",
    "activation_rate": "activation_rate", "retention_rate": "retention_rate", "platform_sales": "platform_sales",
    "platform_active_members": "platform_active_members", "arppu": "arppu", "k_factor": "k_factor",
}


def test_console_queries_equal_metricflow(metricflow_project, tiny_db, tmp_path):
    """Each monthly KPI the console shows is the semantic layer's metric, month by month."""
    project, env = metricflow_project
    out = tmp_path / "metrics.csv"
    done = subprocess.run([str(BIN / "mf"), "query", "--metrics", ",".join(METRIC_COLUMNS.values()),
                           "--group-by", "metric_time__month", "--order", "metric_time__month", "--csv", str(out)],
                          cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and out.exists(), (done.stdout + done.stderr)[-4000:]
    with out.open(encoding="utf-8") as handle:
        from_mf = {row["metric_time__month"][:10]: row for row in csv.DictReader(handle)}

    with duckdb.connect(str(tiny_db), read_only=True) as con:
        console = queries.monthly_metrics(con)
    assert len(console) == len(from_mf) > 3
    compared = 0
    for _, row in console.iterrows():
        mf_row = from_mf[row["month"].strftime("%Y-%m-%d")]
        for column, metric in METRIC_COLUMNS.items():
            ours, theirs = row[column], mf_row[metric]
            if theirs in ("", None):
                assert ours is None or (isinstance(ours, float) and math.isnan(ours)) or (
                    metric in ("graded_groups", "failing_groups") and ours == 0), (row["month"], metric, ours)
            else:
                assert float(ours) == pytest.approx(float(theirs), rel=1e-9, abs=1e-9), (row["month"], metric)
                compared += 1
    assert compared > 10 * len(METRIC_COLUMNS)


def test_time_spine_covers_every_day_of_the_months(tiny_db):
    (days, first, last, distinct) = query(tiny_db, """
        select count(*), min(date_day), max(date_day), count(distinct date_day) from marts.metricflow_time_spine""")[0]
    (first_month, last_month_end) = query(tiny_db, "select min(month), max(month_last_day) "
                                                   "from intermediate.int_months")[0]
    assert (first, last) == (first_month, last_month_end)
    assert days == distinct == (last - first).days + 1
