"""What every page shares: the warehouse (read-only), the language, formatting."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import streamlit as st

from console import i18n, queries

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "warehouse" / "radar.duckdb"


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read now; the message is one line for the user."""


def db_path() -> Path:
    """--db on the command line (after ``--`` of streamlit run), else $RADAR_DB_PATH, else the demo warehouse."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(sys.argv[1:])
    value = args.db or os.environ.get("RADAR_DB_PATH") or str(DEFAULT_DB)
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path)


def lang() -> str:
    value = st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)
    return value if value in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def t(key: str, **values: object) -> str:
    return i18n.label(lang(), key, **values)


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise WarehouseUnavailable(t("wh_missing", path=path))
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise WarehouseUnavailable(t("wh_locked", path=path)) from exc
        raise WarehouseUnavailable(t("wh_error", path=path, error=text.splitlines()[0])) from exc


def _version(path: Path) -> int:
    """Changes whenever the pipeline swaps a new warehouse file in (new inode, new mtime)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return 0
    return hash((stat.st_ino, stat.st_mtime_ns, stat.st_size))


@st.cache_data(ttl=300, show_spinner=False, max_entries=256)
def _cached(path_text: str, version: int, name: str, args: tuple, kwargs: tuple):
    path = Path(path_text)
    function = getattr(queries, name)
    con = _connect(path)
    try:
        return function(con, *args, **dict(kwargs))
    finally:
        con.close()


def q(function: Callable, *args, **kwargs):
    """Run ``queries.<function>`` on the warehouse, cached until the file changes."""
    path = db_path()
    try:
        return _cached(str(path), _version(path), function.__name__, args, tuple(sorted(kwargs.items())))
    except WarehouseUnavailable:
        raise
    except duckdb.Error as exc:
        raise WarehouseUnavailable(t("wh_error", path=path, error=str(exc).splitlines()[0])) from exc


def check_warehouse() -> None:
    """Raise WarehouseUnavailable with one line when the file is absent, locked or lacks marts."""
    path = db_path()
    missing = q(queries.missing_tables)
    if missing:
        raise WarehouseUnavailable(t("wh_incomplete", tables=", ".join(missing), path=path))


def rebuild_in_progress() -> bool:
    """A run is building beside the warehouse (its work file, radar.runlock.work_files)."""
    from radar.runlock import work_files

    return bool(work_files(db_path()))


@st.cache_data(ttl=300, show_spinner=False, max_entries=8)
def _mentor_task_lists(path_text: str, version: int) -> dict[str, bytes]:
    """The files ``make alerts`` writes (radar.alerts.export), by file stem, for this warehouse."""
    from radar import alerts

    with tempfile.TemporaryDirectory(prefix="radar_console_alerts_") as out:
        # the console stays free of PII: its download is the file without nicknames (--no-nickname)
        result = alerts.export(Path(path_text), Path(out), with_nickname=False)
        return {path.stem: path.read_bytes() for path in sorted(result.out_dir.glob("*.csv"))}


def mentor_task_list(mentor_id: str | None) -> tuple[str, bytes | None]:
    """(file name, bytes) of a mentor's within-capacity list today, exactly as exports/alerts/<as_of>/ holds it."""
    from radar import alerts

    path = db_path()
    stem = alerts.file_stem(mentor_id) + alerts.WITHIN_SUFFIX
    files = _mentor_task_lists(str(path), _version(path))
    return f"{stem}.csv", files.get(stem)


@st.cache_data(show_spinner=False)
def project_vars() -> dict:
    """The dbt vars of dbt_project.yml (their defaults), for texts that explain a rule."""
    import yaml

    return yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8")).get("vars", {})


# ----------------------------------------------------------------- formatting

def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT or (
        not isinstance(value, str) and pd.isna(value))


def fmt_int(value) -> str:
    return "–" if is_missing(value) else f"{int(value):,}"


def fmt_pct(value) -> str:
    return "–" if is_missing(value) else f"{float(value) * 100:.1f}%"


def fmt_money(value) -> str:
    return "–" if is_missing(value) else f"{float(value):,.0f}"


def fmt_money2(value) -> str:
    return "–" if is_missing(value) else f"{float(value):,.2f}"


def fmt_month(value) -> str:
    return "" if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m")


def name(kind: str, code) -> str:
    """The seed name of a code (alert, segment, category, lifecycle_stage, grade, severity,
    entity_type) in the page's language; "–" when missing, the code itself when no seed names it."""
    if is_missing(code):
        return "–"
    table = q(queries.names)
    hit = table[(table["kind"] == kind) & (table["code"] == code)]
    if hit.empty:
        return str(code)
    return str(hit.iloc[0]["name_zh" if lang() == "zh" else "name_en"])


def text(row, column: str) -> str:
    """``<column>_zh`` or ``<column>_en`` of a row, by the page's language; "–" when missing."""
    value = row[f"{column}_{lang()}"]
    return "–" if is_missing(value) else str(value)


def fmt_date(value) -> str:
    return "–" if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def grade_label(grade) -> str:
    return t("not_graded") if is_missing(grade) else name("grade", grade)


def people_table(frame: pd.DataFrame) -> None:
    """Show a table whose columns are already headed for people and whose cells are text."""
    height = min(35 * (len(frame) + 1) + 3, 1100)  # up to ~30 rows without an inner scrollbar
    st.dataframe(frame.fillna("–").astype(str), hide_index=True, width="stretch", height=height)


def category_name(row) -> str:
    return row["name_zh"] if lang() == "zh" else row["name_en"]


PLOTLY_CONFIG = {"displaylogo": False}


def chart(fig, legend_on_top: bool = False) -> None:
    """Draw a plotly figure; a tall chart puts its legend on top so it stays in view."""
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0} if legend_on_top else \
        {"orientation": "h", "y": -0.2}
    fig.update_layout(margin={"l": 10, "r": 10, "t": 90 if legend_on_top else 40, "b": 10}, legend=legend)
    style_date_axis(fig)
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG)


def style_date_axis(fig) -> None:
    """Ticks of a date x axis: months for monthly marts, else days, on the data's own dates when few."""
    date_format = date_axis_format([trace.x for trace in fig.data if "x" in trace])
    if not date_format:
        return
    # plotly names months in English ("Mar 2024") whatever the page's
    # language; numeric dates read the same in Chinese and English
    fig.update_xaxes(tickformat=date_format, hoverformat=date_format)
    if date_format == "%Y-%m":
        fig.update_xaxes(dtick="M1" if _month_span(fig) <= 12 else "M3")
    elif len(days := _distinct_dates(fig)) <= 13:
        # a few dates (the backtest's month-end cut-offs): a tick on each of
        # them, not on first days of months no point sits on
        fig.update_xaxes(tickvals=days)


def date_axis_format(xs) -> str | None:
    """The tick format of a chart whose x values are dates: months ("2024-03") when
    every date is the first of its month (a monthly mart), else days; None otherwise."""
    dates = [x for x in xs if _is_date_axis(x)]
    if not dates:
        return None
    monthly = all(pd.Timestamp(value).day == 1 for x in dates for value in x)
    return "%Y-%m" if monthly else "%Y-%m-%d"


def _distinct_dates(fig) -> list:
    return sorted({pd.Timestamp(v) for trace in fig.data if "x" in trace and _is_date_axis(trace.x)
                   for v in trace.x})


def _month_span(fig) -> int:
    stamps = _distinct_dates(fig)
    first, last = stamps[0], stamps[-1]
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _is_date_axis(values) -> bool:
    """True when a trace's x values are dates (datetime.date, numpy or pandas timestamps)."""
    if values is None or len(values) == 0:
        return False
    return isinstance(values[0], (dt.date, np.datetime64))
