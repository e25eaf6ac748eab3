"""The raw input contract of SPEC §1, written once and read by every script.

Each landing file is described by a :class:`FileSpec`: its columns and types,
primary key, foreign keys, and the (start, end) pairs whose end must come after
the start. The validator, the loader, the tests and the docs all read these
definitions; nothing else in the project restates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds.
TEXT = "text"
INT = "int"
MONEY = "money"
TIMESTAMP = "timestamp"

#: Order in which files of one batch are taken (parents before children).
#: Erasure requests come first, so that a batch that erases a member and
#: re-sends their rows never loads those rows (radar.erasure).
FILE_ORDER = (
    "erasure_requests",
    "mentors",
    "groups",
    "members",
    "group_memberships",
    "orders",
    "order_items",
)

#: Every reason code a quarantined row can carry, in the priority used when a
#: row breaks several rules (the first listed wins).
REASON_CODES = {
    "missing_required": "an empty value in a required column",
    "invalid_number": "an integer or amount that is not a number",
    "invalid_timestamp": "a timestamp that is not a full ISO 8601 date-time (a date alone is not one)",
    "timestamp_without_offset": "a timestamp without a UTC offset",
    "future_timestamp": "a timestamp later than the load's wall clock plus the tolerance (radar.timegate)",
    "before_platform_start": "a timestamp before the platform start (radar.timegate)",
    "invalid_tier": "tier is not 199 or 399",
    "invalid_status": "status is not paid or cancelled (case-sensitive)",
    "unknown_category": "category_code is not in the categories seed",
    "out_of_range": "a quantity, line number or amount outside its range, or too large for its "
                    "column (integers: 32 bit; amounts: under 10^16 yuan)",
    "end_before_start": "left_at / closed_at not after the matching start",
    "duplicate_key": "the primary key occurs more than once in the batch",
    "parent_quarantined": "the parent row was quarantined",
    "unknown_mentor": "mentor_id matches no loaded mentor",
    "unknown_group": "group_id matches no loaded group",
    "unknown_member": "member_id matches no loaded member",
    "unknown_order": "order_id matches no loaded order",
    "membership_overlap": "the membership overlaps one already loaded",
    "erased": "the member asked to be erased; the row's values are not kept",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    pii: bool = False


@dataclass(frozen=True)
class ForeignKey:
    column: str
    parent: str  # parent file name; the parent's primary key has the same name

    @property
    def reason(self) -> str:
        return "unknown_" + self.parent.rstrip("s")


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    intervals: tuple[tuple[str, str], ...] = ()  # (start, end): end > start
    value_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    minimums: dict[str, int] = field(default_factory=dict)  # column >= minimum

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def of_kind(self, kind: str) -> list[str]:
        return [c.name for c in self.columns if c.kind == kind]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


FILES: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            name="erasure_requests",
            columns=(
                Column("member_id", TEXT),
                Column("requested_at", TIMESTAMP),
            ),
            primary_key=("member_id",),
        ),
        FileSpec(
            name="mentors",
            columns=(
                Column("mentor_id", TEXT),
                Column("mentor_name", TEXT),
                Column("hired_at", TIMESTAMP),
                Column("left_at", TIMESTAMP, required=False),
            ),
            primary_key=("mentor_id",),
            intervals=(("hired_at", "left_at"),),
        ),
        FileSpec(
            name="groups",
            columns=(
                Column("group_id", TEXT),
                Column("group_name", TEXT),
                Column("mentor_id", TEXT),
                Column("created_at", TIMESTAMP),
                Column("closed_at", TIMESTAMP, required=False),
            ),
            primary_key=("group_id",),
            foreign_keys=(ForeignKey("mentor_id", "mentors"),),
            intervals=(("created_at", "closed_at"),),
        ),
        FileSpec(
            name="members",
            columns=(
                Column("member_id", TEXT),
                Column("tier", INT),
                Column("joined_at", TIMESTAMP),
                Column("referrer_member_id", TEXT, required=False),
                Column("province", TEXT, required=False),
                Column("phone", TEXT, required=False, pii=True),
                Column("nickname", TEXT, required=False, pii=True),
            ),
            primary_key=("member_id",),
            value_sets={"tier": ("199", "399")},
        ),
        FileSpec(
            name="group_memberships",
            columns=(
                Column("member_id", TEXT),
                Column("group_id", TEXT),
                Column("joined_at", TIMESTAMP),
                Column("left_at", TIMESTAMP, required=False),
            ),
            primary_key=("member_id", "group_id", "joined_at"),
            foreign_keys=(
                ForeignKey("member_id", "members"),
                ForeignKey("group_id", "groups"),
            ),
            intervals=(("joined_at", "left_at"),),
        ),
        FileSpec(
            name="orders",
            columns=(
                Column("order_id", TEXT),
                Column("member_id", TEXT),
                Column("ordered_at", TIMESTAMP),
                Column("status", TEXT),
            ),
            primary_key=("order_id",),
            foreign_keys=(ForeignKey("member_id", "members"),),
            value_sets={"status": ("paid", "cancelled")},
        ),
        FileSpec(
            name="order_items",
            columns=(
                Column("order_id", TEXT),
                Column("line_no", INT),
                Column("sku", TEXT),
                Column("category_code", TEXT),
                Column("quantity", INT),
                Column("line_amount", MONEY),
                Column("refunded_amount", MONEY),
            ),
            primary_key=("order_id", "line_no"),
            foreign_keys=(ForeignKey("order_id", "orders"),),
            minimums={
                "line_no": 1,
                "quantity": 1,
                "line_amount": 0,
                "refunded_amount": 0,
            },
        ),
    )
}
