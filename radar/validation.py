"""Row rules of SPEC §1 as Great Expectations suites (pandas route).

Great Expectations checks every rule that looks at one row at a time: required
values present, numbers and timestamps well formed, codes in their sets,
quantities and amounts in range, ends after starts. Each expectation carries the
reason code its failures get in quarantine (``meta.reason``). Rules that need
several rows or files (duplicate keys within a batch, foreign keys, membership
overlaps) are SQL in :mod:`radar.loader`.

GX's SQL route does not work on DuckDB (see shared/TOOLCHAIN.md), so a file is
validated chunk by chunk through pandas, as two suites per file:

* ``landing_<file>`` — the rules that must look at every row: required values
  present, timestamps with an offset, an end after its start. GX gets one frame
  per chunk holding only the columns these rules read (Arrow-backed, index =
  the 1-based data row number) and reports failing rows through
  ``unexpected_index_list``.
* ``landing_<file>_values`` — the rules whose verdict depends on a value alone
  (or on a pair of amounts): integers and amounts well formed and at their
  minimum, codes in their sets, refunded ≤ line amount. These are set
  operations: GX judges each distinct value (pair) of the file once, in a
  frame of the values of a chunk not judged earlier in the file (columns of
  unequal length are padded with empty cells, which these rules skip), and a
  row breaks the rule when its value was judged failing.

A file of 20 million order lines has a few hundred thousand distinct amount
pairs and a handful of line numbers, quantities and categories, so most GX work
is on the few columns that are different on every row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from radar.contract import INT, MONEY, REASON_CODES, TIMESTAMP, FileSpec
from radar.datadocs import Outcome, make_offline
from radar.phases import timed
from radar.timegate import TimeGate

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

if TYPE_CHECKING:
    import great_expectations as gx
    import great_expectations.expectations as gxe


def _gx():
    """Great Expectations, imported on first use: importing it takes about 3 s, which a run
    that stops on a structural error, a busy warehouse or a missing key never needs."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch below HASH_THRESHOLD bytes (md5 of pandas'
    # hash of every cell) as a batch marker: 20-30 % of the validation time, and
    # nothing here reads it (each run is named by batch, file and rows instead).
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx, gxe

# Digits are ASCII [0-9], never ``\d``: Python's ``\d`` also matches other
# scripts' digits ("٣", "１"), which pandas reads as numbers but the warehouse's
# cast rejects — such a value must be quarantined as invalid_number, not stop the run.
INT_PATTERN = r"^[+-]?[0-9]+$"
MONEY_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
#: a full ISO 8601 date-time (a date alone is not a timestamp)
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
#: the offset after the time of day (``2024-06-15``'s ``-15`` is a day, not an offset)
OFFSET_PATTERN = r"[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
#: the common form, which Arrow's cast parses exactly as pandas does (or refuses)
_PLAIN_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})$"
#: largest values the landing columns hold: integer (int32) and decimal(18, 2)
INT_MAX = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 16  # an amount must round to less than this in absolute value

#: reason code of a value outside its value set, by column
VALUE_SET_REASONS = {
    "tier": "invalid_tier",
    "status": "invalid_status",
    "category_code": "unknown_category",
}
#: the pair of columns one value rule compares (refunded ≤ line amount)
AMOUNT_PAIR = ("line_amount", "refunded_amount")

NUM_SUFFIX = "__num"
TS_SUFFIX = "__ts"
VALUES_SUFFIX = "_values"
UTC_US = pa.timestamp("us", tz="UTC")
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=float("nan"))
_TEXT_DTYPES = {pa.string(): TEXT_DTYPE, pa.large_string(): TEXT_DTYPE}
#: COMPLETE gives every failing row; the query string GX also builds from them is not needed
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


def value_columns(spec: FileSpec) -> list[str]:
    """Columns whose rules judge a value alone: integers, amounts, codes with a value set."""
    coded = set(spec.value_sets) | ({"category_code"} & set(spec.column_names))
    return [c.name for c in spec.columns if c.kind in (INT, MONEY) or c.name in coded]


def value_groups(spec: FileSpec) -> list[tuple[str, ...]]:
    """The value columns, grouped so that a pair one rule compares is judged as a pair."""
    columns = value_columns(spec)
    pair = [AMOUNT_PAIR] if set(AMOUNT_PAIR) <= set(columns) else []
    return pair + [(c,) for c in columns if not (pair and c in AMOUNT_PAIR)]


def build_suites(spec: FileSpec, categories: list[str]
                 ) -> tuple[gx.ExpectationSuite, gx.ExpectationSuite, list[tuple[str, str]]]:
    """The row suite and the value suite of one landing file (the value suite may be empty),
    and (label ``reason:column``, column it is grouped by) of every expectation in the order
    of the two as one suite."""
    gx, gxe = _gx()
    rows = gx.ExpectationSuite(name=f"landing_{spec.name}")
    values = gx.ExpectationSuite(name=f"landing_{spec.name}{VALUES_SUFFIX}")
    labels: list[tuple[str, str]] = []

    def add(suite: gx.ExpectationSuite, expectation: gxe.Expectation, reason: str) -> None:
        assert reason in REASON_CODES, reason
        expectation.meta = {"reason": reason}
        suite.add_expectation(expectation)
        kwargs = expectation.configuration.kwargs
        labels.append((f"{reason}:{_column_of(kwargs)}", kwargs.get("column") or ""))

    for name in spec.required:
        add(rows, gxe.ExpectColumnValuesToNotBeNull(column=name), "missing_required")
    for name in spec.of_kind(INT):
        add(values, gxe.ExpectColumnValuesToMatchRegex(column=name, regex=INT_PATTERN), "invalid_number")
    for name in spec.of_kind(MONEY):
        add(values, gxe.ExpectColumnValuesToMatchRegex(column=name, regex=MONEY_PATTERN), "invalid_number")
    for name in spec.of_kind(TIMESTAMP):
        add(rows, gxe.ExpectColumnValuesToMatchRegex(column=name, regex=OFFSET_PATTERN),
            "timestamp_without_offset")
    value_sets = dict(spec.value_sets)
    if "category_code" in spec.column_names:
        value_sets["category_code"] = tuple(categories)
    for name, allowed in value_sets.items():
        add(values, gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(allowed)),
            VALUE_SET_REASONS[name])
    for name, minimum in spec.minimums.items():
        add(values, gxe.ExpectColumnValuesToBeBetween(column=name + NUM_SUFFIX, min_value=minimum),
            "out_of_range")
    if set(AMOUNT_PAIR) <= set(spec.column_names):
        add(values, gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=AMOUNT_PAIR[0] + NUM_SUFFIX, column_B=AMOUNT_PAIR[1] + NUM_SUFFIX,
            or_equal=True, ignore_row_if="either_value_is_missing"), "out_of_range")
    for start, end in spec.intervals:
        add(rows, gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=end + TS_SUFFIX, column_B=start + TS_SUFFIX,
            or_equal=False, ignore_row_if="either_value_is_missing"), "end_before_start")
    return rows, values, labels


def rule_order(spec: FileSpec, expectations: list[tuple[str, str]]) -> dict[str, int]:
    """Position of every rule label in a row's detail: the checks GX has no expectation for
    (numbers too large, timestamps that are none or outside the time gate), then the
    expectations in the order GX reports one suite's results (grouped by column, the
    columns in order of first use; rules on two columns are one group)."""
    labels = [f"out_of_range:{c}" for c in spec.of_kind(INT) + spec.of_kind(MONEY)]
    for name in spec.of_kind(TIMESTAMP):
        labels += [f"{reason}:{name}" for reason in
                   ("invalid_timestamp", "future_timestamp", "before_platform_start")]
    groups: dict[str, list[str]] = {}
    for label, column in expectations:
        groups.setdefault(column, []).append(label)
    labels += [label for group in groups.values() for label in group]
    return {label: i for i, label in enumerate(labels)}


def _column_of(kwargs) -> str:
    return kwargs.get("column") or kwargs.get("column_A")


def _money_overflows(text) -> bool:
    try:
        value = Decimal(str(text).strip()).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return False  # not a number: the regex expectation says invalid_number
    return abs(value) >= MONEY_LIMIT


#: numbers that Arrow and pandas read alike: ASCII, optional minus, at most 15 digits in all
#: (exact in a float64, so both give the one correctly rounded value)
_PLAIN_INT = r"^-?[0-9]{1,15}$"
_PLAIN_DECIMAL = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"


def to_number(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(values, errors="coerce")``, read by Arrow when that gives the same.

    pandas parses each value in Python (about 1 s per million); Arrow's cast is
    vectorised. The cast is taken only when every value is plain (see
    :data:`_PLAIN_DECIMAL`); the result then has pandas' dtype: int64 when
    every value is a plain integer and none is missing, else float64. Anything
    else (signs, exponents, spaces, long numbers, text) goes through pandas.
    """
    text = pa.array(values)
    if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
        return pd.to_numeric(values, errors="coerce")
    present = text.drop_null()
    if text.null_count == 0 and pc.all(pc.match_substring_regex(present, _PLAIN_INT), min_count=0).as_py():
        return pd.Series(text.cast(pa.int64()).to_numpy(), index=values.index, name=values.name)
    if len(present) and pc.all(pc.match_substring_regex(present, _PLAIN_DECIMAL)).as_py():
        if pc.max(pc.utf8_length(present)).as_py() <= 15:
            return pd.Series(text.cast(pa.float64()).to_numpy(zero_copy_only=False),
                             index=values.index, name=values.name)
    return pd.to_numeric(values, errors="coerce")


def _parse_with_pandas(raw: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTC instants as datetime64[us], NaT where not a full date-time with an offset;
    invalid: a value that is not a full ISO 8601 date-time), read by pandas.

    Values with more than 6 decimals of a second are read apart: pandas gives them
    nanoseconds (years 1677-2262), which must not narrow the range of the others.
    Nanoseconds are rounded to microseconds half away from zero, as DuckDB stores them.
    """
    text = pd.Series(raw.to_pandas(types_mapper=_TEXT_DTYPES.get))
    instants = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    invalid = np.zeros(len(text), dtype=bool)
    fine = text.str.contains(r"[.,][0-9]{7}", regex=True, na=False).to_numpy()
    for part in (np.flatnonzero(~fine), np.flatnonzero(fine)):
        if not len(part):
            continue
        values = text.iloc[part]
        parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
        full = values.str.contains(DATETIME_PATTERN, regex=True, na=False)
        invalid[part] = (values.notna() & (parsed.isna() | ~full)).to_numpy()
        has_offset = values.str.contains(OFFSET_PATTERN, regex=True, na=False)
        naive = parsed.where(has_offset & full).dt.tz_convert(None).to_numpy()
        if naive.dtype == np.dtype("datetime64[ns]"):
            missing = np.isnat(naive)
            ns = np.where(missing, 0, naive.astype("int64"))
            us = np.sign(ns) * (np.abs(ns) // 1000 + (np.abs(ns) % 1000 >= 500))
            naive = np.where(missing, np.datetime64("NaT", "us"), us.astype("datetime64[us]"))
        instants[part] = naive.astype("datetime64[us]")
    return instants, invalid


def parse_timestamps(raw: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Timestamps of one column: (UTC instants, null where not a full date-time with an
    offset; invalid: a value that is not a full ISO 8601 date-time).

    Values in the common form (``2024-03-01T23:45:00+08:00``, ``...Z``) are cast
    by Arrow, which reads them as pandas does or refuses them; every other value
    (fractions, other separators, dates alone, text) is read by pandas as before.
    """
    raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    plain = pc.fill_null(pc.match_substring_regex(raw, _PLAIN_DATETIME), False)
    try:
        parsed = pc.if_else(plain, raw, None).cast(UTC_US)
    except pa.ArrowInvalid:  # e.g. 2024-02-30 in the common form: all by pandas
        instants, invalid = _parse_with_pandas(raw)
        return pa.array(instants, from_pandas=True).cast(UTC_US), invalid
    odd = np.flatnonzero(pc.and_(pc.invert(plain), pc.is_valid(raw)).to_numpy(zero_copy_only=False))
    invalid = np.zeros(len(raw), dtype=bool)
    if not len(odd):
        return parsed, invalid
    instants = parsed.to_numpy(zero_copy_only=False)
    instants[odd], invalid[odd] = _parse_with_pandas(raw.take(pa.array(odd)))
    return pa.array(instants, from_pandas=True).cast(UTC_US), invalid


@dataclass
class ChunkResult:
    reasons: dict[int, str]  # row number -> reason code (highest priority)
    details: dict[int, list[str]]  # row number -> every rule it broke
    timestamps: dict[str, pa.Array] = field(default_factory=dict)  # column -> UTC instants


class _ValueGroup:
    """The verdicts of the value rules on one group of columns (one column, or the amount
    pair) in one file so far.

    Every distinct value of a column gets a code (its position in ``known``); a row's
    value of the group is one int64 key (the pair's two codes side by side), so that
    finding a chunk's new values and the rows with failing values is vectorised."""

    def __init__(self, columns: tuple[str, ...]):
        self.columns = columns
        self.known = [pa.array([], pa.string()) for _ in columns]  # distinct values so far
        self.seen = pa.array([], pa.int64())  # keys judged
        self.failing: dict[int, list[str]] = {}  # key -> labels of the rules it broke

    def keys(self, table: pa.Table) -> np.ndarray:
        """The key of every row of ``table`` (new values get codes)."""
        key = np.zeros(table.num_rows, dtype=np.int64)
        for j, name in enumerate(self.columns):
            column = table.column(name)
            if not pa.types.is_dictionary(column.type):  # plain text: encoded here
                column = pa.chunked_array([pc.dictionary_encode(column.combine_chunks())])
            key = (key << 32) | self._codes(j, column.unify_dictionaries())
        return key

    def _codes(self, j: int, column: pa.ChunkedArray) -> np.ndarray:
        """The code of every row of column ``j`` (dictionary-encoded, one dictionary)."""
        local = column.chunks[0].dictionary if column.num_chunks else pa.array([], pa.string())
        indices = pa.chunked_array([chunk.indices for chunk in column.chunks], pa.int32()).combine_chunks()
        if indices.null_count:  # missing values: one more local entry, null
            local = pa.concat_arrays([local, pa.nulls(1, local.type)])
            indices = pc.fill_null(indices, len(local) - 1)
        codes = pc.index_in(local, value_set=self.known[j])
        if codes.null_count:
            self.known[j] = pa.concat_arrays([self.known[j], pc.filter(local, pc.is_null(codes))])
            codes = pc.index_in(local, value_set=self.known[j])
        return codes.to_numpy(zero_copy_only=False).astype(np.int64)[indices.to_numpy(zero_copy_only=False)]

    def new_keys(self, keys: np.ndarray) -> np.ndarray:
        """The distinct keys among ``keys`` not judged before (now counted as judged)."""
        distinct = pc.unique(pa.array(keys))
        new = pc.filter(distinct, pc.invert(pc.is_in(distinct, value_set=self.seen)))
        self.seen = pa.concat_arrays([self.seen, new])
        return new.to_numpy()

    def values(self, keys: np.ndarray) -> list[pa.Array]:
        """The column values of ``keys``, column by column."""
        shift = 32 * (len(self.columns) - 1)
        return [self.known[j].take(pa.array((keys >> (shift - 32 * j)) & 0xFFFFFFFF))
                for j in range(len(self.columns))]


class RowValidator:
    """Runs one file's suites over Arrow chunks and keeps the GX results."""

    def __init__(self, spec: FileSpec, categories: list[str], context: gx.AbstractDataContext,
                 time_gate: TimeGate | None = None):
        self.spec = spec
        self.time_gate = time_gate
        self.context = context
        rows, values, labels = build_suites(spec, categories)
        self.rows = self._definition(f"landing_{spec.name}", rows)
        self.values = self._definition(f"landing_{spec.name}{VALUES_SUFFIX}", values) \
            if values.expectations else None
        self.groups = value_groups(spec) if self.values else []
        self.order = rule_order(spec, labels)
        self.row_columns = list(dict.fromkeys(spec.required + spec.of_kind(TIMESTAMP)))
        self.interval_columns = list(dict.fromkeys(c for pair in spec.intervals for c in pair))
        self.outcomes: list[Outcome] = []
        self.judged: list[_ValueGroup] = []

    def _definition(self, name: str, suite: gx.ExpectationSuite) -> gx.ValidationDefinition:
        source = self.context.data_sources.add_or_update_pandas(name)
        batch = source.add_dataframe_asset(self.spec.name).add_batch_definition_whole_dataframe("chunk")
        suite = self.context.suites.add_or_update(suite)
        gx, _ = _gx()
        return self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))

    def start_file(self) -> None:
        """Forget the values judged in the previous file (each file has its own page of values)."""
        self.judged = [_ValueGroup(group) for group in self.groups]

    def validate(self, table: pa.Table, first_row: int = 1, batch_name: str = "batch") -> ChunkResult:
        """Judge the rows of ``table`` (text columns; row ``first_row`` is its first row)."""
        found: dict[int, list[str]] = {}
        last = first_row + table.num_rows - 1
        with timed("typed columns"):
            timestamps = self._timestamps(table, first_row, found)
        with timed("GX validation (rows)"):
            self._run_rows(table, timestamps, first_row, batch_name, found)
        values_outcome = None
        if self.groups:
            with timed("GX validation (values)"):
                values_outcome = self._run_values(table, first_row, batch_name, found)
        order = list(REASON_CODES)
        details = {row: sorted(rules, key=self.order.__getitem__) for row, rules in sorted(found.items())}
        reasons = {row: min((d.split(":")[0] for d in rules), key=order.index) for row, rules in details.items()}
        self.outcomes.append(Outcome(f"{batch_name}.{self.spec.name}.rows_{first_row}-{last}", batch_name,
                                     self.spec.name, first_row, last, not found, len(found)))
        if values_outcome is not None:
            self.outcomes.append(values_outcome)
        return ChunkResult(reasons, details, timestamps)

    def _timestamps(self, table: pa.Table, first_row: int, found: dict) -> dict[str, pa.Array]:
        """Parse every timestamp column; flag values that are no date-time or outside the time gate."""
        out = {}
        for name in self.spec.of_kind(TIMESTAMP):
            parsed, invalid = parse_timestamps(table.column(name))
            out[name] = parsed
            _flag(found, np.flatnonzero(invalid) + first_row, f"invalid_timestamp:{name}")
            if self.time_gate is not None:
                instants = parsed.to_numpy(zero_copy_only=False)
                before = instants < self.time_gate.platform_start.tz_convert(None).to_datetime64()
                future = (instants > self.time_gate.latest.tz_convert(None).to_datetime64()) & ~before
                _flag(found, np.flatnonzero(future) + first_row, f"future_timestamp:{name}")
                _flag(found, np.flatnonzero(before) + first_row, f"before_platform_start:{name}")
        return out

    def _run_rows(self, table: pa.Table, timestamps: dict, first_row: int, batch_name: str,
                  found: dict) -> None:
        frame = table.select(self.row_columns).to_pandas(types_mapper=_TEXT_DTYPES.get)
        for name in self.interval_columns:
            frame[name + TS_SUFFIX] = timestamps[name].to_pandas()
        frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="_row_number")
        run_name = f"{batch_name}.{self.spec.name}.rows_{first_row}-{first_row + len(frame) - 1}"
        for label, rows in self._run(self.rows, frame, run_name):
            for row in rows:
                found.setdefault(int(row), []).append(label)

    def _run(self, definition: gx.ValidationDefinition, frame: pd.DataFrame, run_name: str):
        """Validate ``frame``; yield (rule label, failing index values) per failed expectation."""
        from great_expectations.core.run_identifier import RunIdentifier

        result = definition.run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT,
                                run_id=RunIdentifier(run_name=run_name))
        for outcome in result.results:
            if outcome.success:
                continue
            config = outcome.expectation_config
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(f"{self.spec.name}: expectation {config.type} could not run: "
                                   f"{outcome.exception_info.get('exception_message')}")
            rows = [r["_row_number"] if isinstance(r, dict) else r
                    for r in outcome.result.get("unexpected_index_list") or []]
            yield f"{config.meta['reason']}:{_column_of(config.kwargs)}", rows

    def _run_values(self, table: pa.Table, first_row: int, batch_name: str, found: dict) -> Outcome | None:
        """Judge the chunk's values not judged before in this file, then flag the rows whose
        values (judged now or earlier) broke a value rule. The outcome of the GX run, if any."""
        keys = [group.keys(table) for group in self.judged]
        new = [group.new_keys(k) for group, k in zip(self.judged, keys, strict=True)]
        last = first_row + table.num_rows - 1
        run_name = f"{batch_name}.{self.spec.name}{VALUES_SUFFIX}.rows_{first_row}-{last}"
        judged_now = any(len(k) for k in new)
        if judged_now:
            self._judge(new, run_name)
        flagged = set()
        for group, row_keys in zip(self.judged, keys, strict=True):
            if not group.failing:
                continue
            failing = pa.array(list(group.failing), pa.int64())
            for row in np.flatnonzero(pc.is_in(pa.array(row_keys), value_set=failing).to_numpy(
                    zero_copy_only=False)):
                found.setdefault(int(row) + first_row, []).extend(group.failing[int(row_keys[row])])
                flagged.add(int(row))
        if not judged_now:
            return None
        return Outcome(run_name, batch_name, self.spec.name + VALUES_SUFFIX, first_row, last,
                       not flagged, len(flagged))

    def _judge(self, new: list[np.ndarray], run_name: str) -> None:
        """Run the value suite on the new values (keys per group); remember every verdict."""
        size = max(len(keys) for keys in new)
        frame = pd.DataFrame(index=pd.RangeIndex(size))
        position = {}  # column of the frame -> group
        for g, (group, keys) in enumerate(zip(self.judged, new, strict=True)):
            for name, values in zip(group.columns, group.values(keys), strict=True):
                padded = pa.concat_arrays([values, pa.nulls(size - len(values), pa.string())])
                frame[name] = padded.to_pandas(types_mapper=_TEXT_DTYPES.get)
                position[name] = g
                if self.spec.column(name).kind in (INT, MONEY):
                    frame[name + NUM_SUFFIX] = to_number(frame[name])
                    position[name + NUM_SUFFIX] = g
        verdicts = list(self._numbers_too_large(frame)) + list(self._run(self.values, frame, run_name))
        for label, rows in verdicts:
            g = position[label.split(":")[1]]
            for row in rows:
                self.judged[g].failing.setdefault(int(new[g][int(row)]), []).append(label)

    def _numbers_too_large(self, frame: pd.DataFrame):
        """(label, positions) of numbers the warehouse column cannot hold (int32, decimal(18, 2))."""
        for name in self.spec.of_kind(INT):
            number = frame[name + NUM_SUFFIX]
            yield f"out_of_range:{name}", np.flatnonzero((number.abs() > INT_MAX).to_numpy())
        for name in self.spec.of_kind(MONEY):
            number = frame[name + NUM_SUFFIX]
            near = np.flatnonzero((number.abs() >= float(MONEY_LIMIT) / 2).to_numpy())  # exact check below
            yield f"out_of_range:{name}", [i for i in near if _money_overflows(frame[name].iloc[i])]


def _flag(found: dict, rows, label: str) -> None:
    for row in rows:
        found.setdefault(int(row), []).append(label)


def new_context(docs_dir: Path | None) -> gx.AbstractDataContext:
    """An ephemeral GX context, writing Data Docs to ``docs_dir`` if given."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx, _ = _gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            site_name="radar",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def write_data_docs(context: gx.AbstractDataContext, docs_dir: Path,
                    validators: list[RowValidator]) -> None:
    """Build the Data Docs site from this context's results, readable offline (radar.datadocs)."""
    context.build_data_docs()
    make_offline(docs_dir, [o for v in validators for o in v.outcomes])
