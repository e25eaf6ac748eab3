"""Mentor task lists: today's new early warnings, one CSV per mentor.

Reads ``marts.early_warnings`` read-only and writes, for the mart's
``as_of_date``, one CSV per mentor with that day's NEW warnings (``is_new``),
ordered by severity (high, medium, low), then alert code and entity. Warnings
about members in no group (null ``mentor_id``) go to ``no_mentor.csv``. Files
are UTF-8 with a byte-order mark (``utf-8-sig``) so that Excel shows the Chinese
text correctly.

Nothing is computed here: severity, order, message and action all come from the
mart (and through it from the ``alert_catalog`` and ``segment_playbook`` seeds).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MART = "marts.early_warnings"
NO_MENTOR = "no_mentor"
ENCODING = "utf-8-sig"

#: Columns of each mentor CSV, in order (all read from the mart).
CSV_COLUMNS = (
    "as_of_date",
    "severity",
    "alert_code",
    "alert_name_zh",
    "entity_type",
    "entity_id",
    "category_code",
    "period_month",
    "message_zh",
    "action_code",
    "action_zh",
    "metric_value",
    "threshold_value",
    "mentor_id",
)

_NEW_WARNINGS_SQL = f"""
select {", ".join(CSV_COLUMNS)}
from {MART}
where is_new
order by severity_rank, alert_code, entity_id, category_code nulls first, period_month nulls first
"""

_OPEN_COUNTS_SQL = f"""
select alert_code, severity, severity_rank, count(*) as open_warnings,
       count(case when is_new then 1 end) as new_warnings
from {MART}
group by alert_code, severity, severity_rank
order by severity_rank, alert_code
"""


@dataclass
class ExportResult:
    """What an export wrote: the day, the folder and the rows per file."""

    as_of_date: str | None
    out_dir: Path
    files: dict[str, int] = field(default_factory=dict)
    new_by_code: list[tuple[str, str, int, int]] = field(default_factory=list)
    new_by_mentor: dict[str, Counter] = field(default_factory=dict)

    @property
    def new_warnings(self) -> int:
        return sum(self.files.values())


def file_stem(mentor_id: str | None) -> str:
    """File name (without .csv) for a mentor; members in no group go to no_mentor."""
    if mentor_id is None or mentor_id == "":
        return NO_MENTOR
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", mentor_id)
    return stem if stem != NO_MENTOR else f"mentor_{stem}"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def export(db_path: Path, out_dir: Path) -> ExportResult:
    """Write today's new warnings, one CSV per mentor, into ``out_dir/<as_of_date>/``.

    The dated folder belongs to the export: CSVs left there by an earlier export
    of the same day are replaced, so the folder always shows one day's lists.
    """
    import duckdb

    if not Path(db_path).exists():
        raise FileNotFoundError(f"warehouse not found: {db_path}")
    with duckdb.connect(str(db_path), read_only=True) as con:
        try:
            as_of_rows = con.sql(f"select max(as_of_date) from {MART}").fetchall()
        except duckdb.CatalogException as exc:
            raise RuntimeError(f"{MART} is missing in {db_path}: build the warehouse first") from exc
        rows = con.sql(_NEW_WARNINGS_SQL).fetchall()
        counts = con.sql(_OPEN_COUNTS_SQL).fetchall()

    as_of = as_of_rows[0][0]
    as_of_text = as_of.isoformat() if as_of is not None else None
    target = Path(out_dir) / (as_of_text or "no_warnings")
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.csv"):
        stale.unlink()

    by_file: dict[str, list[tuple]] = {}
    for row in rows:
        record = dict(zip(CSV_COLUMNS, row, strict=True))
        by_file.setdefault(file_stem(record["mentor_id"]), []).append(row)

    result = ExportResult(as_of_date=as_of_text, out_dir=target)
    for stem, file_rows in sorted(by_file.items()):
        path = target / f"{stem}.csv"
        with path.open("w", encoding=ENCODING, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            writer.writerows([_text(value) for value in row] for row in file_rows)
        result.files[stem] = len(file_rows)
        severities = Counter(dict(zip(CSV_COLUMNS, row, strict=True))["severity"] for row in file_rows)
        result.new_by_mentor[stem] = severities
    result.new_by_code = [(code, severity, opened, new) for code, severity, _, opened, new in counts]
    return result


def summary(result: ExportResult, top: int = 15) -> str:
    """One screen: open/new warnings per alert code and the busiest mentors."""
    lines = [f"early warnings as of {result.as_of_date or '-'}"]
    lines.append(f"{'alert_code':<22}{'severity':<10}{'open':>8}{'new':>8}")
    for code, severity, opened, new in result.new_by_code:
        lines.append(f"{code:<22}{severity:<10}{opened:>8,}{new:>8,}")
    total_open = sum(row[2] for row in result.new_by_code)
    lines.append(f"{'total':<32}{total_open:>8,}{result.new_warnings:>8,}")
    lines.append("")
    ranked = sorted(result.files.items(), key=lambda item: (-item[1], item[0]))
    shown = ranked[:top]
    lines.append(f"new warnings per mentor (top {len(shown)} of {len(ranked)})")
    lines.append(f"{'mentor':<22}{'high':>8}{'medium':>8}{'low':>8}{'total':>8}")
    for stem, total in shown:
        sev = result.new_by_mentor.get(stem, Counter())
        lines.append(f"{stem:<22}{sev['high']:>8,}{sev['medium']:>8,}{sev['low']:>8,}{total:>8,}")
    lines.append("")
    lines.append(f"mentor CSVs ({len(result.files)} files, UTF-8 with BOM): {result.out_dir}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(
        description="Write today's new early warnings as one CSV per mentor (UTF-8 with BOM, "
        "for Excel) and print a summary. Reads marts.early_warnings read-only.")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("RADAR_DB_PATH", "warehouse/radar.duckdb")),
                        help="DuckDB warehouse file (default: $RADAR_DB_PATH or warehouse/radar.duckdb)")
    parser.add_argument("--out", type=Path, default=Path("exports/alerts"),
                        help="folder for the CSVs; they go into OUT/<as_of_date>/ (default: exports/alerts)")
    parser.add_argument("--top", type=int, default=15, help="mentors shown in the summary (default 15)")
    args = parser.parse_args(argv)
    try:
        result = export(args.db, args.out)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary(result, args.top))
    return 0
