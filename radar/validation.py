"""Row rules of SPEC §1 as Great Expectations suites (pandas route).

Great Expectations checks every rule that looks at one row at a time: required
values present, numbers and timestamps well formed, codes in their sets,
quantities and amounts in range, ends after starts. Each expectation carries the
reason code its failures get in quarantine (``meta.reason``). Rules that need
several rows or files (duplicate keys within a batch, foreign keys, membership
overlaps) are SQL in :mod:`radar.loader`.

GX's SQL route does not work on DuckDB (see shared/TOOLCHAIN.md), so a file is
validated chunk by chunk as pandas DataFrames whose index is the 1-based data
row number; GX reports failing rows through ``unexpected_index_list``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from radar.contract import INT, MONEY, REASON_CODES, TIMESTAMP, FileSpec
from radar.datadocs import Outcome, make_offline
from radar.phases import timed
from radar.timegate import TimeGate

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402

# Digits are ASCII [0-9], never ``\d``: Python's ``\d`` also matches other
# scripts' digits ("٣", "１"), which pandas reads as numbers but the warehouse's
# cast rejects — such a value must be quarantined as invalid_number, not stop the run.
INT_PATTERN = r"^[+-]?[0-9]+$"
MONEY_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
#: a full ISO 8601 date-time (a date alone is not a timestamp)
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
#: the offset after the time of day (``2024-06-15``'s ``-15`` is a day, not an offset)
OFFSET_PATTERN = r"[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
#: largest values the landing columns hold: integer (int32) and decimal(18, 2)
INT_MAX = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 16  # an amount must round to less than this in absolute value

#: reason code of a value outside its value set, by column
VALUE_SET_REASONS = {
    "tier": "invalid_tier",
    "status": "invalid_status",
    "category_code": "unknown_category",
}

NUM_SUFFIX = "__num"
TS_SUFFIX = "__ts"


def build_suite(spec: FileSpec, categories: list[str]) -> gx.ExpectationSuite:
    """The expectation suite of one landing file."""
    suite = gx.ExpectationSuite(name=f"landing_{spec.name}")

    def add(expectation: gxe.Expectation, reason: str) -> None:
        assert reason in REASON_CODES, reason
        expectation.meta = {"reason": reason}
        suite.add_expectation(expectation)

    for name in spec.required:
        add(gxe.ExpectColumnValuesToNotBeNull(column=name), "missing_required")
    for name in spec.of_kind(INT):
        add(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=INT_PATTERN), "invalid_number")
    for name in spec.of_kind(MONEY):
        add(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=MONEY_PATTERN), "invalid_number")
    for name in spec.of_kind(TIMESTAMP):
        add(
            gxe.ExpectColumnValuesToMatchRegex(column=name, regex=OFFSET_PATTERN),
            "timestamp_without_offset",
        )
    value_sets = dict(spec.value_sets)
    if "category_code" in spec.column_names:
        value_sets["category_code"] = tuple(categories)
    for name, values in value_sets.items():
        add(
            gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(values)),
            VALUE_SET_REASONS[name],
        )
    for name, minimum in spec.minimums.items():
        add(
            gxe.ExpectColumnValuesToBeBetween(column=name + NUM_SUFFIX, min_value=minimum),
            "out_of_range",
        )
    if "refunded_amount" in spec.column_names:
        add(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="line_amount" + NUM_SUFFIX,
                column_B="refunded_amount" + NUM_SUFFIX,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            "out_of_range",
        )
    for start, end in spec.intervals:
        add(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=end + TS_SUFFIX,
                column_B=start + TS_SUFFIX,
                or_equal=False,
                ignore_row_if="either_value_is_missing",
            ),
            "end_before_start",
        )
    return suite


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


def add_typed_columns(spec: FileSpec, frame: pd.DataFrame,
                      time_gate: TimeGate | None = None) -> dict[int, list[str]]:
    """Add ``__num`` and ``__ts`` columns; return rows GX cannot judge (row -> reason:column).

    Timestamps are parsed as ISO 8601; a value that is not a full date-time
    (a date alone, or one that does not parse) is an ``invalid_timestamp`` (a
    rule GX has no expectation for). Values without an offset get no ``__ts``
    value: the offset expectation quarantines them. Numbers the warehouse
    column cannot hold (int32, decimal(18, 2)) are ``out_of_range``; timestamps
    outside the time gate are ``future_timestamp`` / ``before_platform_start``.
    """
    plain: dict[int, list[str]] = {}

    def flag(rows, reason: str, column: str) -> None:
        for row in rows:
            plain.setdefault(int(row), []).append(f"{reason}:{column}")

    for name in spec.of_kind(INT):
        number = to_number(frame[name])
        frame[name + NUM_SUFFIX] = number
        flag(frame.index[number.abs() > INT_MAX], "out_of_range", name)
    for name in spec.of_kind(MONEY):
        number = to_number(frame[name])
        frame[name + NUM_SUFFIX] = number
        near = frame.index[number.abs() >= float(MONEY_LIMIT) / 2]  # exact check on the few large ones
        flag([row for row in near if _money_overflows(frame.at[row, name])], "out_of_range", name)
    for name in spec.of_kind(TIMESTAMP):
        raw = frame[name]
        parsed = pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce")
        full = raw.str.contains(DATETIME_PATTERN, regex=True, na=False)
        flag(frame.index[raw.notna() & (parsed.isna() | ~full)], "invalid_timestamp", name)
        has_offset = raw.str.contains(OFFSET_PATTERN, regex=True, na=False)
        parsed = parsed.where(has_offset & full)
        if time_gate is not None:
            gated = time_gate.reasons(parsed)
            for reason in ("future_timestamp", "before_platform_start"):
                flag(frame.index[gated == reason], reason, name)
        frame[name + TS_SUFFIX] = parsed
    return plain


@dataclass
class ChunkResult:
    reasons: dict[int, str]  # row number -> reason code (highest priority)
    details: dict[int, list[str]]  # row number -> every rule it broke


class RowValidator:
    """Runs one file's suite over DataFrame chunks and keeps the GX results."""

    def __init__(self, spec: FileSpec, categories: list[str], context: gx.AbstractDataContext,
                 time_gate: TimeGate | None = None):
        self.spec = spec
        self.time_gate = time_gate
        self.context = context
        name = f"landing_{spec.name}"
        source = context.data_sources.add_or_update_pandas(name)
        asset = source.add_dataframe_asset(spec.name)
        batch = asset.add_batch_definition_whole_dataframe("chunk")
        suite = context.suites.add_or_update(build_suite(spec, categories))
        self.definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        self.outcomes: list[Outcome] = []

    def validate(self, frame: pd.DataFrame, batch_name: str = "batch") -> ChunkResult:
        from great_expectations.core.run_identifier import RunIdentifier

        with timed("typed columns"):
            plain = add_typed_columns(self.spec, frame, self.time_gate)
        first, last = (int(frame.index[0]), int(frame.index[-1])) if len(frame) else (0, 0)
        run_name = f"{batch_name}.{self.spec.name}.rows_{first}-{last}"
        with timed("GX validation"):
            result = self.definition.run(
                batch_parameters={"dataframe": frame},
                result_format={"result_format": "COMPLETE"},
                run_id=RunIdentifier(run_name=run_name),
            )
        found: dict[int, list[str]] = {row: list(rules) for row, rules in plain.items()}
        for outcome in result.results:
            if outcome.success:
                continue
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"{self.spec.name}: expectation {outcome.expectation_config.type} "
                    f"could not run: {outcome.exception_info.get('exception_message')}"
                )
            reason = outcome.expectation_config.meta["reason"]
            column = outcome.expectation_config.kwargs.get("column") or outcome.expectation_config.kwargs.get("column_A")
            for row in outcome.result.get("unexpected_index_list") or []:
                row_number = int(row["_row_number"] if isinstance(row, dict) else row)
                found.setdefault(row_number, []).append(f"{reason}:{column}")
        order = list(REASON_CODES)
        self.outcomes.append(Outcome(run_name, batch_name, self.spec.name, first, last,
                                     not found, len(found)))
        reasons = {
            row: min((d.split(":")[0] for d in rules), key=order.index)
            for row, rules in found.items()
        }
        return ChunkResult(reasons=reasons, details=found)


def new_context(docs_dir: Path | None) -> gx.AbstractDataContext:
    """An ephemeral GX context, writing Data Docs to ``docs_dir`` if given."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

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
