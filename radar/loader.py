"""Validate landing batches and upsert them into the warehouse's landing schema.

The order of work (SPEC §1):

1. find the batch folders not loaded yet (lexical order) and check their
   structure — readable files, required columns, timestamp columns with
   offsets — before anything is written; a fault raises :class:`StructuralError`;
2. for every batch, file by file in :data:`radar.contract.FILE_ORDER`, run the
   row rules (Great Expectations, :mod:`radar.validation`) chunk by chunk, then
   the rules that span rows and files (duplicate keys, foreign keys, membership
   overlaps) in SQL against everything loaded so far;
3. upsert the accepted rows by primary key into ``landing.<file>`` (each row
   keeps the batch it came from), keep every rejected row in
   ``landing.quarantine`` with a reason code, and log rows read / loaded /
   quarantined in ``landing.load_log``, checking that they add up.

The caller (:mod:`radar.pipeline`) runs this on a copy of the warehouse and only
swaps the copy in when everything, including ``dbt build``, succeeded.
"""

from __future__ import annotations

import csv
import json
import re
import stat
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from radar import erasure, phases
from radar.contract import FILE_ORDER, FILES, INT, MONEY, TEXT, TIMESTAMP, FileSpec
from radar.phases import timed
from radar.pii import PiiStore, stored_columns
from radar.timegate import TimeGate
from radar.validation import (
    OFFSET_PATTERN,
    ChunkResult,
    RowValidator,
    new_context,
    write_data_docs,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CATEGORIES_SEED = PROJECT_ROOT / "seeds" / "categories.csv"
SQL_TYPES = {TEXT: "varchar", INT: "integer", MONEY: "decimal(18, 2)", TIMESTAMP: "timestamp", None: "varchar"}
DEFAULT_CHUNK_ROWS = 1_000_000
WORK_SCHEMA = "_loader"
CUR, KEYS = f"{WORK_SCHEMA}.cur", f"{WORK_SCHEMA}.keys"
#: a batch up to this many rows of a file is joined to the stored rows from a table of its own
SMALL_BATCH_ROWS = 1_000_000
#: how a timestamp in a key is written where keys compare as text (UTC, microseconds)
KEY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: an integer as the warehouse writes it back
CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")


class StructuralError(Exception):
    """A fault in the landing files that stops the run before anything is written."""


@dataclass
class Batch:
    name: str
    files: dict[str, Path]  # contract file name -> path
    ignored: list[str] = field(default_factory=list)
    folder: Path | None = None


@dataclass
class FileReport:
    batch: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_categories(path: Path = CATEGORIES_SEED) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [row["category_code"] for row in csv.DictReader(handle)]


# ---------------------------------------------------------------- discovery


def discover(landing: Path) -> list[Batch]:
    """Batch folders of ``landing`` in lexical order, with their known files."""
    if not landing.is_dir():
        raise StructuralError(f"landing directory {landing} does not exist")
    batches = []
    for folder in sorted(p for p in landing.iterdir() if p.is_dir() and not p.name.startswith(".")):
        batch = Batch(folder.name, {}, folder=folder)
        for path in sorted(folder.iterdir()):
            stem, suffix = path.stem, path.suffix
            if suffix not in (".csv", ".parquet") or stem not in FILES:
                like = path.name.split(".")[0].lower()
                if like in FILES:  # Orders.CSV, orders.csv.gz, orders.xlsx: never skip rows
                    raise StructuralError(
                        f"{folder.name}/{path.name}: looks like the landing file {like} but is not named "
                        f"{like}.csv or {like}.parquet (names are lowercase); rename it"
                    )
                batch.ignored.append(path.name)
                continue
            _require_regular_file(folder.name, path)
            if stem in batch.files:
                raise StructuralError(
                    f"{folder.name}: both {batch.files[stem].name} and {path.name} given; "
                    "keep one file per table"
                )
            batch.files[stem] = path
        batches.append(batch)
    return batches


def _require_regular_file(batch: str, path: Path) -> None:
    """A FIFO, device or folder where a data file should be is a fault (opening one may hang)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise StructuralError(f"{batch}/{path.name}: cannot read the file ({exc.strerror})") from exc
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file")
        raise StructuralError(f"{batch}/{path.name}: is {kind}, not a data file")


BOM = b"\xef\xbb\xbf"


def has_bom(path: Path) -> bool:
    if path.suffix.lower() == ".parquet":
        return False
    with path.open("rb") as handle:
        return handle.read(len(BOM)) == BOM


def header_of(path: Path) -> list[str]:
    """Column names of a file; a CSV's UTF-8 byte order mark is dropped (pyarrow drops it too)."""
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_schema(path).names
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except Exception as exc:  # unreadable file: structural
        raise StructuralError(f"{path}: cannot read the file ({exc})") from exc


def _csv_error(path: Path, exc: Exception) -> str:
    """pyarrow's parse error without the offending row's text (it may hold phones, names)."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = re.sub(r"(got \d+ columns?)\s*:.*", r"\1", message)
    message = re.sub(r"(columns?, got \d+)\s*:.*", r"\1", message)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            width = len(next(rows, []))
            for number, row in enumerate(rows, start=1):
                if len(row) != width:
                    return (f"data row {number} has {len(row)} fields, the header has {width} "
                            f"({message}; row values not shown)")
    except (csv.Error, UnicodeDecodeError, OSError):
        pass
    return message


def _text_tables(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pa.Table]:
    """The file's ``columns`` as Arrow string tables of about ``chunk_rows`` rows."""
    if path.suffix.lower() == ".parquet":
        reader = pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=columns)
        tables = (pa.Table.from_batches([b]) for b in reader)
        return (_parquet_as_text(t, path) for t in tables)
    return _csv_tables(path, columns, chunk_rows)


def _any_search(values: pa.ChunkedArray, pattern: re.Pattern) -> bool:
    """True if ``pattern.search`` finds any non-null value (Python ``re`` semantics).

    RE2 (Arrow) matches a subset of what Python's ``re`` matches for these
    patterns (its ``\\d`` is ASCII only, its ``$`` never matches before a final
    newline), so a hit is a hit; without one, the values RE2 may judge
    differently (non-ASCII, or with a newline) are asked again in Python.
    """
    if pc.any(pc.match_substring_regex(values, pattern.pattern), min_count=0).as_py():
        return True
    odd = pc.or_(pc.invert(pc.string_is_ascii(values)), pc.match_substring(values, "\n"))
    rest = pc.filter(values, pc.fill_null(odd, False))
    return any(pattern.search(v) for v in rest.to_pylist())


def iter_chunks(path: Path, spec: FileSpec, present: list[str], chunk_rows: int
                ) -> Iterator[tuple[int, pa.Table]]:
    """(first row number, table) of the file's ``present`` columns as Arrow text (empty = null),
    with the contract's other (nullable) columns added as nulls, in the contract's order."""
    first_row = 1
    for table in _text_tables(path, present, chunk_rows):
        columns = {name: table.column(name) if name in present else pa.nulls(table.num_rows, pa.string())
                   for name in spec.column_names}
        yield first_row, pa.table(columns)
        first_row += table.num_rows


def _timed_iter(items, phase: str):
    items = iter(items)
    while True:
        with timed(phase):
            item = next(items, None)
        if item is None:
            return
        yield item


def _csv_tables(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pa.Table]:
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"'),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
        pending: list[pa.RecordBatch] = []
        size = 0
        for record_batch in reader:
            pending.append(record_batch)
            size += record_batch.num_rows
            if size >= chunk_rows:
                yield pa.Table.from_batches(pending)
                pending, size = [], 0
        if pending:
            yield pa.Table.from_batches(pending)
    except pa.ArrowInvalid as exc:
        raise StructuralError(f"{path}: cannot parse the CSV ({_csv_error(path, exc)})") from exc


def _parquet_as_text(table: pa.Table, path: Path) -> pa.Table:
    """Parquet columns as ISO text, so Parquet and CSV go through one set of rules."""
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_nested(column.type):
            raise StructuralError(
                f"{path}: column {name} is nested ({column.type}); landing columns must be "
                "plain text, numbers or timestamps"
            )
        if pa.types.is_timestamp(column.type):
            if column.type.tz is None:
                text = pa.compute.strftime(column, format="%Y-%m-%dT%H:%M:%S")
            else:
                utc = column.cast(pa.timestamp("us", tz="UTC"))
                text = pa.compute.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ")
            out[name] = text
        else:
            try:
                out[name] = column.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise StructuralError(f"{path}: column {name} ({column.type}) cannot be read as "
                                      f"text ({str(exc).splitlines()[0]})") from exc
    return pa.table(out)


def check_structure(batches: list[Batch], chunk_rows: int) -> list[str]:
    """Raise StructuralError on the first structural fault; return warnings."""
    warnings = []
    offset = re.compile(OFFSET_PATTERN)
    for batch in batches:
        for name in batch.ignored:
            warnings.append(f"{batch.name}/{name}: not a landing file of the contract; ignored")
        for file, path in batch.files.items():
            spec = FILES[file]
            header = header_of(path)
            repeated = sorted(c for c, n in Counter(header).items() if n > 1)
            if repeated:
                raise StructuralError(
                    f"{batch.name}/{path.name}: column(s) {', '.join(repeated)} appear more than once "
                    "in the header; keep one of each"
                )
            if has_bom(path):
                warnings.append(f"{batch.name}/{path.name}: starts with a UTF-8 byte order mark; "
                                "accepted and dropped")
            missing = [c for c in spec.required if c not in header]
            if missing:
                raise StructuralError(
                    f"{batch.name}/{path.name}: missing required column(s) {', '.join(missing)}; "
                    f"expected columns: {', '.join(spec.column_names)}"
                )
            extra = [c for c in header if c not in spec.column_names]
            if extra:
                warnings.append(f"{batch.name}/{path.name}: extra column(s) {', '.join(extra)} ignored")
            if path.suffix == ".parquet":
                schema = pq.read_schema(path)
                nested = [f"{c} ({schema.field(c).type})" for c in spec.column_names
                          if c in header and pa.types.is_nested(schema.field(c).type)]
                if nested:
                    raise StructuralError(
                        f"{batch.name}/{path.name}: nested column(s) {', '.join(nested)}; landing "
                        "columns must be plain text, numbers or timestamps"
                    )
            ts_columns = [c for c in spec.of_kind(TIMESTAMP) if c in header]
            seen_value = dict.fromkeys(ts_columns, False)
            seen_offset = dict.fromkeys(ts_columns, False)
            # Read (as Arrow text) only until every timestamp column has shown one value
            # with an offset: usually the first chunk, and nothing of a file without one.
            # A malformed row further on is found by the load's own read, which raises
            # the same StructuralError; the load writes to a copy that is then discarded.
            for table in ([] if not ts_columns else _text_tables(path, ts_columns, chunk_rows)):
                for column in ts_columns:
                    if seen_offset[column]:
                        continue
                    values = table.column(column)
                    if values.null_count < len(values):
                        seen_value[column] = True
                        seen_offset[column] = _any_search(values, offset)
                if all(seen_offset.values()):
                    break
            for column in ts_columns:
                if seen_value[column] and not seen_offset[column]:
                    raise StructuralError(
                        f"{batch.name}/{path.name}: no value of timestamp column {column} has a "
                        "UTC offset; write timestamps as ISO 8601 with an offset, "
                        "e.g. 2024-03-01T23:45:00+08:00"
                    )
    return warnings


# ---------------------------------------------------------------- warehouse


def ensure_landing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists landing")
    for spec in FILES.values():
        columns = ", ".join(f"{name} {SQL_TYPES[kind]}" for name, kind in stored_columns(spec))
        con.execute(
            f"create table if not exists landing.{spec.name} ({columns}, "
            "_batch varchar, _row_number bigint, _loaded_at timestamp)"
        )
    con.execute(
        "create table if not exists landing.quarantine (batch varchar, file varchar, "
        "row_number bigint, reason_code varchar, reason_detail varchar, record_key varchar, "
        "record varchar, quarantined_at timestamp)"
    )
    con.execute(
        "create table if not exists landing.load_log (run_id varchar, batch varchar, "
        "file varchar, source_path varchar, rows_read bigint, rows_loaded bigint, "
        "rows_quarantined bigint, ignored_columns varchar, loaded_at timestamp)"
    )
    # per batch and file: the earliest UTC time its rows touched (old and new
    # versions), from which a nightly run rebuilds (radar.pipeline)
    con.execute(
        "create table if not exists landing.batch_touches (batch varchar, file varchar, "
        "touched_from_utc timestamp)"
    )
    erasure.ensure_log(con)


def loaded_batches(con: duckdb.DuckDBPyConnection) -> list[str]:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'landing' and table_name = 'load_log'"
    ).fetchone()[0]
    if not exists:
        return []
    return [r[0] for r in con.execute("select distinct batch from landing.load_log order by 1").fetchall()]


#: Per file, the UTC times whose local dates a row's old or new version
#: touches (SQL over the candidates c and, joined on the key by {match}, the
#: stored versions t ({old}) they replace): the models are rebuilt from the earliest
#: such date on (radar.pipeline, README "Incremental runs").
_TOUCHED_TIMES = {
    "orders": ["select min(ordered_at) from {cand}",
               "select min(t.ordered_at) from {old} as t, {cand} as c where {match}"],
    # a line belongs to its order's day (the order is loaded first)
    "order_items": ["select min(o.ordered_at) from {cand} as c "
                    "inner join landing.orders as o on o.order_id = c.order_id"],
    # a member's tier or join date reaches back to her first membership
    "members": ["select min(joined_at) from {cand}",
                "select min(t.joined_at) from {old} as t, {cand} as c where {match}",
                "select min(m.joined_at) from landing.group_memberships as m "
                "where m.member_id in (select member_id from {cand})"],
    # a new membership from its start; a re-sent one (same key, so the same
    # start) from the earlier of its two end dates (least skips nulls)
    "group_memberships": [
        "select min(c.joined_at) from {cand} as c where not exists "
        "(select 1 from {old} as t where {match})",
        "select min(least(t.left_at, c.left_at)) from {old} as t, {cand} as c "
        "where {match}"],
    "groups": ["select min(created_at) from {cand}",
               "select min(t.created_at) from {old} as t, {cand} as c where {match}"],
    "mentors": ["select min(hired_at) from {cand}",
                "select min(t.hired_at) from {old} as t, {cand} as c where {match}"],
    # an erasure rebuilds every model anyway (radar.erasure)
    "erasure_requests": [],
}


def touched_from_sql(file: str, match: str, cand: str, old: str) -> str:
    """One value: the earliest UTC time the candidates ``cand`` of ``file`` touch, or null
    (``old``: the stored rows they may replace)."""
    parts = [f"({sql.format(cand=cand, match=match, old=old)})" for sql in _TOUCHED_TIMES[file]]
    if not parts:
        return "select cast(null as timestamp)"
    return "select " + (f"least({', '.join(parts)})" if len(parts) > 1 else parts[0])


def _money_sql(name: str, values: pa.ChunkedArray) -> str:
    """SQL reading the amounts ``values`` of column ``name`` as decimal(18, 2), rounded half up.

    The amount is read at 10 decimals, then rounded to cents. Values of at most 11
    characters have at most 10 decimals: for them, the one cast to cents gives the
    same and costs a fifth.
    """
    longest = pc.max(pc.binary_length(values)).as_py() or 0
    if longest <= 11:
        return f"cast({name} as decimal(18, 2))"
    return f"cast(round(cast({name} as decimal(38, 10)), 2) as decimal(18, 2))"


def _key_expression(spec: FileSpec, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    parts = []
    for name in spec.primary_key:
        if spec.column(name).kind == TIMESTAMP:
            parts.append(f"strftime({prefix}{name}, '{KEY_TIME_FORMAT}')")
        else:
            parts.append(f"cast({prefix}{name} as varchar)")
    return " || '|' || ".join(parts)


class FileLoader:
    """Validates and upserts one file of one batch."""

    def __init__(self, con, batch: Batch, spec: FileSpec, validator: RowValidator, run_id: str, now,
                 store: PiiStore):
        self.con, self.batch, self.spec = con, batch, spec
        self.validator, self.run_id, self.now = validator, run_id, now
        self.store = store
        self.erased = erasure.erased_members(con) if "member_id" in spec.column_names else set()
        self.report = FileReport(batch.name, spec.name)
        self.quarantined: list[tuple] = []
        # The rows this load appends to landing.<file>: its batch, its load time (a --reload
        # carries earlier erasure requests over with their batch name, not this time).
        self.batch_literal = "'" + batch.name.replace("'", "''") + "'"
        self.now_literal = f"timestamp '{now.isoformat(sep=' ')}'"

    def this_load(self, alias: str = "") -> str:
        """SQL: the row is one this load appended to landing.<file>."""
        prefix = f"{alias}." if alias else ""
        return f"({prefix}_batch = {self.batch_literal} and {prefix}_loaded_at = {self.now_literal})"

    def quarantine(self, row_number: int, reason: str, detail: str, key: str | None, record: dict) -> None:
        for column in self.spec.columns:  # raw PII never reaches the quarantine
            if column.pii and record.get(column.name) is not None:
                record[column.name] = "<redacted>"
        # an erased member's row keeps no values (radar.erasure)
        values = None if reason == "erased" else json.dumps(record, ensure_ascii=False, default=str)
        self.quarantined.append(
            (self.batch.name, self.spec.name, row_number, reason, detail, key, values, self.now)
        )
        self.report.reasons[reason] += 1

    def run(self, path: Path, chunk_rows: int) -> FileReport:
        started = time.monotonic()
        spec, con = self.spec, self.con
        header = header_of(path)
        present = [c for c in spec.column_names if c in header]
        self.report.ignored_columns = [c for c in header if c not in spec.column_names]
        # The accepted rows go straight into landing.<file>, marked with this batch;
        # the rules that span rows then delete what they reject, and the upsert
        # deletes the older versions of the keys this batch sends. Appends run
        # outside any transaction, so DuckDB writes them out as they grow (temp
        # tables and uncommitted appends stay in memory beyond its memory_limit);
        # the warehouse is a copy that is discarded on any failure (radar.pipeline).
        con.execute(f"create or replace view {CUR} as select * from landing.{spec.name} "
                    f"where {self.this_load()}")
        self.store.start_file(con, spec)
        key_columns = ", ".join(f"_k{i} varchar" for i in range(len(spec.primary_key)))
        con.execute(f"create or replace table {KEYS} (_row_number bigint, {key_columns})")
        # A chunk is staged into DuckDB (which runs without the GIL) by one worker
        # thread while the next chunk is read and validated; chunks are staged
        # in order and at most one waits, and nothing else uses the connection
        # meanwhile.
        self.validator.start_file()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="radar-stage") as stager:
            staging = None
            for first_row, table in _timed_iter(iter_chunks(path, spec, present, chunk_rows), "read"):
                self.report.rows_read += table.num_rows
                result = self.validator.validate(table, first_row, self.batch.name)
                self._quarantine_rejected(table, first_row, result)
                if staging is not None:
                    with timed("wait for staging"):
                        staging.result()
                staging = stager.submit(self._stage_timed, table, first_row, result)
                log(f"    {self.batch.name}/{spec.name}: {self.report.rows_read:,} rows validated")
            if staging is not None:
                with timed("wait for staging"):
                    staging.result()
        with timed("cross-row rules (SQL)"):
            self._cross_row_rules()
        with timed("upsert"):
            self._upsert()
        self.report.rows_quarantined = len(self.quarantined)
        self.report.rows_loaded = con.execute(f"select count(*) from {CUR}").fetchone()[0]
        if self.quarantined:
            with timed("quarantine writes"):
                con.executemany(
                    "insert into landing.quarantine values (?, ?, ?, ?, ?, ?, ?, ?)", self.quarantined
                )
        con.execute(
            "insert into landing.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [self.run_id, self.batch.name, spec.name, str(path), self.report.rows_read,
             self.report.rows_loaded, self.report.rows_quarantined,
             ",".join(self.report.ignored_columns), self.now],
        )
        if self.report.rows_read != self.report.rows_loaded + self.report.rows_quarantined:
            raise RuntimeError(
                f"accounting identity broken for {self.batch.name}/{spec.name}: read "
                f"{self.report.rows_read} != loaded {self.report.rows_loaded} + quarantined "
                f"{self.report.rows_quarantined}"
            )
        self.report.seconds = time.monotonic() - started
        return self.report

    def _quarantine_rejected(self, table: pa.Table, first_row: int, result: ChunkResult) -> None:
        """Keep the raw values of the rows the row rules rejected (PII redacted)."""
        if not result.reasons:
            return
        rows = pa.array([row - first_row for row in result.reasons], pa.int64())
        records = table.take(rows).to_pylist()
        for (row, reason), record in zip(result.reasons.items(), records, strict=True):
            parts = [record[k] for k in self.spec.primary_key]
            key = "|".join(parts) if all(p is not None for p in parts) else None
            self.quarantine(row, reason, "; ".join(result.details[row]), key, record)

    def _stage_timed(self, table: pa.Table, first_row: int, result: ChunkResult) -> None:
        with timed("stage chunks in DuckDB (worker)"):
            self._stage_keys(table, first_row, result)
            self._stage_rows(table, first_row, result)

    def _stage_keys(self, table: pa.Table, first_row: int, result: ChunkResult) -> None:
        """Keys (as written) of the rows the duplicate check cannot read from landing.<file>:
        rejected rows with a complete key, and accepted rows whose integer key part is
        written otherwise than the warehouse writes it ('01', '+1'; keys compare as written)."""
        spec = self.spec
        numbers = pa.array(np.arange(first_row, first_row + table.num_rows, dtype=np.int64))
        other = pa.array(list(result.reasons), pa.int64())
        for name in spec.primary_key:
            if spec.column(name).kind == INT:
                text = table.column(name).combine_chunks()
                odd = [v for v in pc.unique(text).drop_null().to_pylist() if not CANONICAL_INT.fullmatch(v)]
                if odd:
                    odd_rows = pc.filter(numbers, pc.is_in(text, value_set=pa.array(odd)))
                    other = pa.concat_arrays([other, odd_rows])
        if not len(other):
            return
        columns = {"_row_number": numbers}
        parts, complete = [], []
        for i, name in enumerate(spec.primary_key):
            columns[f"_k{i}"] = table.column(name)
            complete.append(f"_k{i} is not null")
            if spec.column(name).kind == TIMESTAMP:  # its UTC instant when it has one
                columns[f"_t{i}"] = result.timestamps[name].cast(pa.timestamp("us"))
                parts.append(f"coalesce(strftime(_t{i}, '{KEY_TIME_FORMAT}'), _k{i})")
            else:
                parts.append(f"_k{i}")
        keys = pa.table(columns).filter(pc.is_in(numbers, value_set=other))
        self.con.register("chunk_keys", keys)
        self.con.execute(f"insert into {KEYS} select _row_number, {', '.join(parts)} from chunk_keys "
                         f"where {' and '.join(complete)}")
        self.con.unregister("chunk_keys")

    def _stage_rows(self, table: pa.Table, first_row: int, result: ChunkResult) -> None:
        """Append the rows the row rules accepted to landing.<file> (PII hashed)."""
        spec = self.spec
        numbers = pa.array(np.arange(first_row, first_row + table.num_rows, dtype=np.int64))
        staged = {"_row_number": numbers}
        selects = []
        for column in spec.columns:
            if column.pii:
                continue  # hashed below; the raw value goes to the PII store only
            if column.kind == TIMESTAMP:  # UTC instants without a zone: plain timestamps in DuckDB
                staged[column.name] = result.timestamps[column.name].cast(pa.timestamp("us"))
                selects.append(column.name)
            else:
                staged[column.name] = table.column(column.name)
                if column.kind == INT:
                    selects.append(f"cast({column.name} as integer)")
                elif column.kind == MONEY:
                    selects.append(_money_sql(column.name, table.column(column.name)))
                else:
                    selects.append(column.name)
        staged, accepted = pa.table(staged), table
        if result.reasons:  # (a filter copies every column, also when it keeps every row)
            good = np.ones(table.num_rows, dtype=bool)
            good[np.fromiter(result.reasons, dtype=np.int64, count=len(result.reasons)) - first_row] = False
            staged, accepted = staged.filter(good), table.filter(good)
        with timed("PII hashing"):
            hashed = self.store.pseudonymise(self.con, spec, accepted, staged["_row_number"], self.erased)
        for name, values in hashed.items():
            staged = staged.append_column(name, values)
        selects += [name for name, kind in stored_columns(spec) if kind is None]
        self.con.register("chunk_rows", staged)
        self.con.execute(
            f"insert into landing.{spec.name} select {', '.join(selects)}, ?, _row_number, ? from chunk_rows",
            [self.batch.name, self.now],
        )
        self.con.unregister("chunk_rows")

    def _reject(self, where_sql: str, reason_sql: str, detail: str) -> None:
        """Move this batch's rows matching ``where_sql`` from landing.<file> to quarantine."""
        columns = ", ".join(name for name, _ in stored_columns(self.spec))
        rows = self.con.execute(
            f"select {reason_sql} as reason, _row_number, {_key_expression(self.spec)} as _key, "
            f"{columns} from {CUR} where {where_sql} order by _row_number"
        ).df()
        for record in rows.to_dict("records"):
            reason = record.pop("reason")
            row_number = int(record.pop("_row_number"))
            key = record.pop("_key")
            self.quarantine(row_number, reason, detail, key, record)
        if len(rows):
            self.con.register("rejected", pa.table({"_row_number": rows["_row_number"].to_numpy()}))
            self.con.execute(f"delete from landing.{self.spec.name} where {self.this_load()} "
                             "and _row_number in (select _row_number from rejected)")
            self.con.unregister("rejected")

    def _cross_row_rules(self) -> None:
        spec = self.spec
        # 0. rows of members who asked to be erased (radar.erasure)
        erased = erasure.load_time_rule(spec)
        if erased:
            self._reject(erased, "'erased'", erasure.DETAIL)
        # 1. every copy of a key duplicated within the batch file
        self._reject(f"_row_number in ({self._duplicates_sql()})", "'duplicate_key'",
                     "primary key " + ", ".join(spec.primary_key) + " repeated in this batch")
        # 2. foreign keys against everything loaded so far
        for fk in spec.foreign_keys:
            where = (
                f"{fk.column} not in (select {fk.column} from landing.{fk.parent})"
            )
            reason = (
                f"case when {fk.column} in (select record_key from landing.quarantine "
                f"where file = '{fk.parent}' and record_key is not null) "
                f"then 'parent_quarantined' else '{fk.reason}' end"
            )
            self._reject(where, reason, f"{fk.column} not found in {fk.parent}")
        # 3. membership intervals must not overlap (half-open [joined_at, left_at))
        if spec.name == "group_memberships":
            overlaps = f"""
                _row_number in (
                    select c._row_number
                    from {CUR} as c
                    inner join (
                        select e.member_id, e.group_id, e.joined_at, e.left_at, null as _row_number
                        from landing.group_memberships as e
                        where not {self.this_load("e")} and not exists (
                            select 1 from {CUR} as r
                            where r.member_id = e.member_id and r.group_id = e.group_id
                              and r.joined_at = e.joined_at
                        )
                        union all
                        select member_id, group_id, joined_at, left_at, _row_number from {CUR}
                    ) as o
                        on o.member_id = c.member_id
                        and (o._row_number is null or o._row_number < c._row_number)
                        and o.joined_at < coalesce(c.left_at, timestamp '9999-12-31')
                        and c.joined_at < coalesce(o.left_at, timestamp '9999-12-31')
                )
            """
            self._reject(overlaps, "'membership_overlap'", "overlaps another membership of the member")

    def _duplicates_sql(self) -> str:
        """Row numbers of this batch's rows (accepted or not) whose key occurs more than once.

        Keys compare as written, part by part: an accepted row's key is read from
        landing.<file> (its text, its integer, its timestamp's UTC instant: each as
        written or equal to it); the rows in the keys table (rejected ones, and integers
        written otherwise) compare by their normalised text."""
        spec = self.spec
        typed = ", ".join(spec.primary_key)
        if not self.con.execute(f"select count(*) from {KEYS}").fetchone()[0]:
            return (f"select _row_number from {CUR} semi join (select {typed} from {CUR} "
                    f"group by all having count(*) > 1) using ({typed})")
        parts = ", ".join(
            f"strftime({name}, '{KEY_TIME_FORMAT}')" if spec.column(name).kind == TIMESTAMP
            else f"cast({name} as varchar)" for name in spec.primary_key)
        names = ", ".join(f"_k{i}" for i in range(len(spec.primary_key)))
        return (f"select _row_number from (select _row_number, count(*) over (partition by {names}) as copies "
                f"from (select _row_number, {parts} from {CUR} "
                f"where _row_number not in (select _row_number from {KEYS}) "
                f"union all select * from {KEYS}) as k ({'_row_number, ' + names})) where copies > 1")

    def _upsert(self) -> None:
        """Record what this batch touches, then delete the older versions of its keys."""
        spec, con = self.spec, self.con
        match = " and ".join(f"t.{k} = c.{k}" for k in spec.primary_key)
        old = f"(select * from landing.{spec.name} where not {self.this_load()})"
        # (the first batch into empty tables, e.g. of a --reload, replaces nothing)
        replaces = con.execute(f"select exists (select 1 from {old})").fetchone()[0]
        cand = CUR
        if replaces and con.execute(f"select count(*) from {CUR}").fetchone()[0] <= SMALL_BATCH_ROWS:
            # DuckDB cannot tell how few of the table's rows are this batch's (it guesses
            # half) and would hash the whole table to join them: a small batch in a table
            # of its own is joined from its side
            con.execute(f"create or replace temp table batch_rows as select * from {CUR}")
            cand = "batch_rows"
        touched = con.execute(touched_from_sql(spec.name, match, cand, old if replaces else
                                               f"(select * from {old} where false)")).fetchone()[0]
        con.execute("insert into landing.batch_touches values (?, ?, ?)", [self.batch.name, spec.name, touched])
        if replaces:
            con.execute(f"delete from landing.{spec.name} as t using {cand} as c "
                        f"where {match} and not {self.this_load('t')}")
        self.store.upsert(con, spec, cand, self.batch.name, self.now)
        con.execute("drop table if exists temp.batch_rows")


def load_batches(
    con: duckdb.DuckDBPyConnection,
    batches: list[Batch],
    docs_dir: Path | None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    time_gate: TimeGate | None = None,
    *,
    store: PiiStore,
) -> list[FileReport]:
    """Validate and load ``batches`` (already structure-checked) into ``con``.

    ``store`` (attached to ``con``) pseudonymises PII and keeps the raw values.
    """
    ensure_landing(con)
    con.execute(f"create schema if not exists {WORK_SCHEMA}")
    categories = read_categories()
    context = new_context(docs_dir)
    # the one reading of the wall clock: load time and the time plausibility gate
    time_gate = time_gate or TimeGate.from_settings()
    validators = {name: RowValidator(FILES[name], categories, context, time_gate) for name in FILE_ORDER}
    run_id = uuid.uuid4().hex[:12]
    now = time_gate.now.tz_convert(None).to_pydatetime()
    reports = []
    for batch in batches:
        log(f"  batch {batch.name}: {', '.join(f for f in FILE_ORDER if f in batch.files) or 'no files'}")
        if not batch.files:  # registered, so later batches keep their order and it is not lost
            con.execute(
                "insert into landing.load_log values (?, ?, null, ?, 0, 0, 0, '', ?)",
                [run_id, batch.name, str(batch.folder or batch.name), now],
            )
        for name in FILE_ORDER:
            if name in batch.files:
                loader = FileLoader(con, batch, FILES[name], validators[name], run_id, now, store)
                reports.append(loader.run(batch.files[name], chunk_rows))
    con.execute(f"drop schema if exists {WORK_SCHEMA} cascade")
    if docs_dir is not None and batches:  # a run with nothing new keeps the last docs
        with timed("data docs"):
            write_data_docs(context, docs_dir, list(validators.values()))
    if phases.enabled():
        log(phases.report())
    return reports


def summary_table(reports: list[FileReport]) -> str:
    lines = [f"{'batch':<24} {'file':<18} {'read':>10} {'loaded':>10} {'quarantined':>12}  reasons"]
    for r in reports:
        # words, not codes (the codes are in landing.quarantine and the README)
        reasons = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(r.reasons.items()))
        lines.append(
            f"{r.batch:<24} {r.file:<18} {r.rows_read:>10,} {r.rows_loaded:>10,} "
            f"{r.rows_quarantined:>12,}  {reasons}"
        )
    total = [sum(getattr(r, a) for r in reports) for a in ("rows_read", "rows_loaded", "rows_quarantined")]
    lines.append(f"{'total':<24} {'':<18} {total[0]:>10,} {total[1]:>10,} {total[2]:>12,}  "
                 f"identity read = loaded + quarantined: {'ok' if total[0] == total[1] + total[2] else 'BROKEN'}")
    return "\n".join(lines)
