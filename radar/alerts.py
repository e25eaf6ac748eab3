"""The mentor's morning file: her ranked task list as CSV, for Excel and WPS.

Reads ``marts.mentor_tasks`` (SPEC §5.7) read-only and writes, for the mart's
``as_of_date``, into ``OUT/<as_of_date>/``:

* ``<mentor>_待办.csv`` — the tasks within her daily capacity, in rank order;
* ``<mentor>_超出容量.csv`` — the rest (only when her list is longer);
* members in no group go to the operations' list, ``no_mentor_…``.

Headers and values are Chinese for people: segment, lifecycle stage and alert
names come from the seeds in the warehouse (``config.rfm_segments``,
``config.labels``); money has 2 decimals, the churn risk is a percentage.
Files are UTF-8 with a byte-order mark (Excel and WPS read the Chinese
correctly) and every text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'``.

**Nickname (PII).** Mentors know their members by nickname, so the file adds
the member's nickname **at export time only** — it is never stored in a mart.
It is read by one function, :func:`nicknames`; ``--no-nickname`` (``make alerts
NICKNAME=0``) leaves the column out.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

MART = "marts.mentor_tasks"
SUMMARY_MART = "marts.mentor_task_summary"
NO_MENTOR = "no_mentor"
ENCODING = "utf-8-sig"
WITHIN_SUFFIX = "_待办"
OVER_SUFFIX = "_超出容量"
#: First characters a spreadsheet treats as the start of a formula (or that hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: (header, field) of each column, in order; the nickname column is dropped by --no-nickname.
COLUMNS = (
    ("序号", "task_rank"),
    ("对象", "entity_type"),
    ("会员/社群编号", "entity_id"),
    ("会员昵称", "nickname"),
    ("所在社群", "group_name"),
    ("原因", "reasons_zh"),
    ("情况说明", "message_zh"),
    ("建议动作", "action_zh"),
    ("会员分层", "segment"),
    ("生命周期", "lifecycle_stage"),
    ("会员等级", "tier"),
    ("上次购买日期", "last_purchase_date"),
    ("近30天消费（元）", "monetary_30d"),
    ("流失风险", "churn_risk"),
    ("未来90天预期消费（元）", "expected_value_90d"),
)
NICKNAME_HEADER = "会员昵称"

_TASKS_SQL = f"""
select
    tasks.as_of_date, tasks.mentor_id, tasks.task_rank, tasks.within_capacity,
    entity_types.name_zh as entity_type, tasks.entity_id, tasks.entity_type as entity_kind,
    groups.group_name, tasks.reasons_zh, tasks.message_zh, tasks.action_zh,
    segments.name_zh as segment, stages.name_zh as lifecycle_stage, tasks.tier,
    tasks.last_purchase_date, tasks.monetary_30d, tasks.churn_risk, tasks.expected_value_90d
from {MART} as tasks
left join landing.groups as groups on tasks.group_id = groups.group_id
left join config.rfm_segments as segments on tasks.segment = segments.segment
left join config.labels as stages on stages.kind = 'lifecycle_stage' and tasks.lifecycle_stage = stages.code
left join config.labels as entity_types on entity_types.kind = 'entity_type' and tasks.entity_type = entity_types.code
order by tasks.mentor_id nulls first, tasks.task_rank
"""

_SUMMARY_SQL = f"""
select coalesce(mentor_id, ''), new_warnings, tasks, within_capacity, over_capacity, suppressed,
       suppressed_no_further_spend, suppressed_category_gap_few_active,
       suppressed_group_first_month, suppressed_mentor_alert
from {SUMMARY_MART}
order by mentor_id nulls first
"""


def nicknames(db_path: Path) -> dict[str, str]:
    """member_id → nickname, for the export only (PII: never written to a mart).

    The one place the export reads nicknames: the PII store beside the
    warehouse (:func:`radar.pii.store_path`), never the warehouse itself, which
    holds only keyed hashes. No store (a warehouse built elsewhere, or access
    not given) means no nickname column values, not an error.
    """
    import duckdb

    from radar.pii import store_path

    store = store_path(Path(db_path))
    if not store.exists():
        return {}
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.sql("select member_id, nickname from members where nickname is not null").fetchall()
    return {member_id: nickname for member_id, nickname in rows}


@dataclass
class ExportResult:
    """What an export wrote: the day, the folder, tasks per file and the summary rows."""

    as_of_date: str | None
    out_dir: Path
    files: dict[str, int] = field(default_factory=dict)
    summary_rows: list[tuple] = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return sum(self.files.values())


def file_stem(mentor_id: str | None) -> str:
    """File name prefix for a mentor; members in no group go to no_mentor."""
    if mentor_id is None or mentor_id == "":
        return NO_MENTOR
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", mentor_id)
    return stem if stem != NO_MENTOR else f"mentor_{stem}"


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading formula character gets a ``'``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def money(value: object) -> str:
    """Yuan with 2 decimals (half up); empty when unknown."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def percent(value: object) -> str:
    """A fraction as a percentage with 1 decimal (0.1234 → 12.3%); empty when unknown."""
    if value is None:
        return ""
    return f"{Decimal(str(value)) * 100:.1f}%"


def _cells(record: dict, nickname_of: dict[str, str] | None) -> list[str]:
    values = {
        "task_rank": str(record["task_rank"]),
        "entity_type": record["entity_type"] or "",
        "entity_id": record["entity_id"],
        "nickname": (nickname_of or {}).get(record["entity_id"], "") if record["entity_kind"] == "member" else "",
        "group_name": record["group_name"] or "",
        "reasons_zh": record["reasons_zh"] or "",
        "message_zh": record["message_zh"] or "",
        "action_zh": record["action_zh"] or "",
        "segment": record["segment"] or "",
        "lifecycle_stage": record["lifecycle_stage"] or "",
        "tier": f"{record['tier']}元会员" if record["tier"] is not None else "",
        "last_purchase_date": record["last_purchase_date"].isoformat() if record["last_purchase_date"] else "",
        "monetary_30d": money(record["monetary_30d"]),
        "churn_risk": percent(record["churn_risk"]),
        "expected_value_90d": money(record["expected_value_90d"]),
    }
    return [safe_cell(values[name]) for _, name in _columns(nickname_of is not None)]


def _columns(with_nickname: bool) -> tuple[tuple[str, str], ...]:
    return tuple(c for c in COLUMNS if with_nickname or c[1] != "nickname")


def _write(path: Path, header: Iterable[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def export(db_path: Path, out_dir: Path, with_nickname: bool = True) -> ExportResult:
    """Write every mentor's ranked list into ``out_dir/<as_of_date>/``.

    The dated folder belongs to the export: CSVs left there by an earlier export
    of the same day are replaced, so the folder always shows one day's lists.
    """
    import duckdb

    if not Path(db_path).exists():
        raise FileNotFoundError(f"warehouse not found: {db_path}")
    with duckdb.connect(str(db_path), read_only=True) as con:
        try:
            as_of = con.execute(f"select max(as_of_date) from {SUMMARY_MART}").fetchall()[0][0]
            cursor = con.execute(_TASKS_SQL)
            names = [column[0] for column in cursor.description]
            records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            summary_rows = con.execute(_SUMMARY_SQL).fetchall()
        except duckdb.CatalogException as exc:
            raise RuntimeError(f"{MART} is missing in {db_path}: build the warehouse first") from exc
    nickname_of = nicknames(db_path) if with_nickname else None

    as_of_text = as_of.isoformat() if as_of is not None else None
    target = Path(out_dir) / (as_of_text or "no_tasks")
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.csv"):
        stale.unlink()

    by_file: dict[str, list[list[str]]] = {}
    for record in records:
        suffix = WITHIN_SUFFIX if record["within_capacity"] else OVER_SUFFIX
        by_file.setdefault(file_stem(record["mentor_id"]) + suffix, []).append(_cells(record, nickname_of))

    header = [name for name, _ in _columns(with_nickname)]
    result = ExportResult(as_of_date=as_of_text, out_dir=target, summary_rows=summary_rows)
    for stem, rows in sorted(by_file.items()):
        _write(target / f"{stem}.csv", header, rows)
        result.files[stem] = len(rows)
    return result


def summary(result: ExportResult, top: int = 20) -> str:
    """One screen: per mentor, new warnings, tasks within / over capacity and what was kept off."""
    lines = [f"mentor task lists as of {result.as_of_date or '-'}"]
    lines.append("  new = today's new warnings; tasks = one per member or group; within = fits today's capacity;")
    lines.append("  over = overflow (second file); kept off = no further spend (playbook), category gap of a")
    lines.append("  small group, a group's first month, alerts about the mentor herself")
    head = f"{'mentor':<12}{'new':>6}{'tasks':>7}{'within':>8}{'over':>6}{'kept off':>10}"
    lines.append(head)
    totals = [0] * 5
    shown = sorted(result.summary_rows, key=lambda row: (-row[2], row[0]))[:top]
    for row in result.summary_rows:
        for i, value in enumerate(row[1:6]):
            totals[i] += value
    for mentor, new, tasks, within, over, kept, *_ in shown:
        lines.append(f"{mentor or 'no mentor':<12}{new:>6,}{tasks:>7,}{within:>8,}{over:>6,}{kept:>10,}")
    if len(result.summary_rows) > len(shown):
        lines.append(f"… {len(result.summary_rows) - len(shown)} more mentors")
    lines.append(f"{'total':<12}" + "".join(f"{v:>{w},}" for v, w in zip(totals, (6, 7, 8, 6, 10), strict=True)))
    lines.append(f"mentor CSVs ({len(result.files)} files, UTF-8 with BOM): {result.out_dir}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(
        description="Write each mentor's ranked task list for today (marts.mentor_tasks) as CSV: "
        "<mentor>_待办.csv within her daily capacity, <mentor>_超出容量.csv the rest. UTF-8 with BOM "
        "for Excel/WPS; formula-like cells neutralised. Adds the member's nickname at export time "
        "unless --no-nickname.")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("RADAR_DB_PATH", "warehouse/radar.duckdb")),
                        help="DuckDB warehouse file (default: $RADAR_DB_PATH or warehouse/radar.duckdb)")
    parser.add_argument("--out", type=Path, default=Path("exports/alerts"),
                        help="folder for the CSVs; they go into OUT/<as_of_date>/ (default: exports/alerts)")
    parser.add_argument("--no-nickname", action="store_true",
                        help="leave the member nickname (PII) out of the files")
    parser.add_argument("--top", type=int, default=20, help="mentors shown in the summary (default 20)")
    args = parser.parse_args(argv)
    try:
        result = export(args.db, args.out, with_nickname=not args.no_nickname)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary(result, args.top))
    return 0
