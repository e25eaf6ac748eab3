"""A short text digest of the group marts, printed after a build (``make demo``).

Reads the marts only, through a read-only DuckDB connection, and computes no
metric itself: every rate, uplift and index comes from the marts as stored.

Sections:
1. the tenure curve vs the thesis baseline per tier (``tenure_activity``);
2. the grade distribution of the last complete month (``group_health_monthly``);
3. the five weakest groups of that month — lowest grade first, then lowest
   activity uplift — each with its weakest category, the one with the lowest
   ``output_index`` (``group_category_output_monthly``), named in English
   (seed ``categories``).

A "How to read" block first explains every column in words.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "radar.duckdb"
DEFAULT_SCHEMA = "marts"
NOT_GRADED = "not graded"

TENURE_SQL = """
    select tier, tenure_bucket, windows, active_rate, expected_active_rate, delta_pp
    from {schema}.tenure_activity
    order by tier, tenure_bucket
"""

LAST_COMPLETE_MONTH_SQL = """
    select max(month) from {schema}.group_health_monthly where is_complete_month
"""

GRADES_SQL = """
    select
        coalesce(grade, '{not_graded}') as grade,
        min(grade_rank) as grade_rank,
        count(*) as groups
    from {schema}.group_health_monthly
    where month = ?
    group by 1
    order by min(grade_rank) nulls last, 1
"""

WEAKEST_SQL = """
    with weakest as (
        select group_id, mentor_id, grade, grade_rank, roster_size, activity_rate,
               activity_uplift_pp, unit_output_uplift_pct
        from {schema}.group_health_monthly
        where month = ? and grade is not null
        order by grade_rank desc, activity_uplift_pp asc nulls first, group_id
        limit ?
    ),
    ranked_categories as (
        select
            categories.group_id,
            categories.category_code,
            categories.output_index,
            row_number() over (
                partition by categories.group_id
                order by categories.output_index asc nulls last, categories.category_code
            ) as position
        from {schema}.group_category_output_monthly as categories
        inner join weakest on categories.group_id = weakest.group_id
        where categories.month = ? and categories.output_index is not null
    )
    select
        weakest.group_id, weakest.mentor_id, weakest.grade, weakest.roster_size,
        weakest.activity_rate, weakest.activity_uplift_pp, weakest.unit_output_uplift_pct,
        coalesce(names.name_en, ranked_categories.category_code), ranked_categories.output_index
    from weakest
    left join ranked_categories
        on weakest.group_id = ranked_categories.group_id and ranked_categories.position = 1
    left join config.categories as names
        on ranked_categories.category_code = names.category_code
    order by weakest.grade_rank desc, weakest.activity_uplift_pp asc nulls first, weakest.group_id
"""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 1, signed: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return out


#: What the columns mean, printed first so every table below reads on its own.
HOW_TO_READ = """How to read this digest
  Tenure curve: bucket = the member's 30-day window since joining (13+ = over a year); windows = complete
    windows in it; active = share of those windows with at least one purchase; expected = the thesis
    baseline for the tier; delta pp = active minus expected, in percentage points.
  Grades: excellent / good / pass need both uplifts at or above their minimums (seed group_health_grades);
    below pass is fail; groups under the minimum size or in an incomplete month are not graded.
  Weakest groups: roster = members at month end; active = share who bought that month; act. pp = activity
    rate minus the tenure-expected rate, in percentage points; output % = sales per active member against
    the month's standard, in %; weakest category = the category with the lowest output index (the group's
    sales per active member in it divided by the platform's; 1.00 = platform level; below 1 − tolerance, 0.80 by default, is a gap)."""


def tenure_section(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(TENURE_SQL.format(schema=schema)).fetchall()
    lines = ["Tenure curve vs baseline (complete 30-day windows; delta in percentage points)"]
    if not rows:
        return [*lines, "  no complete tenure window yet"]
    for tier in sorted({r[0] for r in rows}):
        lines.append(f"  tier {tier}")
        body = [
            [
                str(bucket) if bucket < 13 else "13+",
                f"{windows:,}",
                _pct(rate),
                _pct(expected),
                _num(delta, 2),
            ]
            for (t, bucket, windows, rate, expected, delta) in rows
            if t == tier
        ]
        lines += ["    " + x for x in _table(["bucket", "windows", "active", "expected", "delta pp"], body)]
    return lines


def grade_section(con: duckdb.DuckDBPyConnection, schema: str, month) -> list[str]:
    rows = con.execute(GRADES_SQL.format(schema=schema, not_graded=NOT_GRADED), [month]).fetchall()
    lines = [f"Grade distribution, {month:%Y-%m} (last complete month)"]
    body = [[grade, str(groups)] for grade, _rank, groups in rows]
    return lines + ["  " + x for x in _table(["grade", "groups"], body)]


def weakest_section(con: duckdb.DuckDBPyConnection, schema: str, month, limit: int) -> list[str]:
    rows = con.execute(WEAKEST_SQL.format(schema=schema), [month, limit, month]).fetchall()
    lines = [f"The {limit} weakest groups, {month:%Y-%m} (lowest grade, then lowest activity uplift)"]
    if not rows:
        return [*lines, "  no graded group this month"]
    body = [
        [
            group_id,
            mentor_id,
            grade,
            str(roster),
            _pct(activity),
            _num(uplift_pp),
            _num(uplift_pct),
            category or "—",
            _num(index, 2, signed=False),
        ]
        for (group_id, mentor_id, grade, roster, activity, uplift_pp, uplift_pct, category, index) in rows
    ]
    headers = [
        "group",
        "mentor",
        "grade",
        "roster",
        "active",
        "act. pp",
        "output %",
        "weakest category",
        "index",
    ]
    return lines + ["  " + x for x in _table(headers, body)]


def build_digest(db_path: Path, schema: str = DEFAULT_SCHEMA, limit: int = 5) -> str:
    """The digest text for the warehouse at ``db_path`` (opened read-only)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        sections = [HOW_TO_READ.splitlines(), tenure_section(con, schema)]
        month = con.execute(LAST_COMPLETE_MONTH_SQL.format(schema=schema)).fetchone()[0]
        if month is None:
            sections.append(["No complete month with a group roster yet: no grades to show."])
        else:
            sections.append(grade_section(con, schema, month))
            sections.append(weakest_section(con, schema, month, limit))
    return "\n\n".join("\n".join(s) for s in sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the Retention Radar group digest (tenure curve, grades, weakest groups) "
        "from a built warehouse. Reads the marts only.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("RADAR_DB_PATH", DEFAULT_DB)),
        help="DuckDB warehouse file (default: $RADAR_DB_PATH or warehouse/radar.duckdb)",
    )
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="schema of the marts (default: marts)")
    parser.add_argument("--top", type=int, default=5, help="how many weakest groups to list (default: 5)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"warehouse not found: {args.db}", file=sys.stderr)
        return 2
    try:
        print(build_digest(args.db, args.schema, args.top))
    except duckdb.CatalogException as exc:
        print(f"the group marts are missing from {args.db} (run the build first): {exc}", file=sys.stderr)
        return 2
    return 0
