"""Hand-written single-script DuckDB SQL for the four core marts (benchmark reference).

The yardstick of issues 5 and 15: every row and column of ``member_segments``,
``tenure_activity``, ``group_health_monthly`` and
``mentor_category_output_monthly``, computed as plain DuckDB SQL straight over
the landing tables (which hold accepted rows only), with no dbt, no views and
no portability layer. `make bench` times it on the same data, same machine,
same minute, reports the warehouse's time as a ratio of it and then checks
that it equals the built marts cell by cell (:func:`compare`). It is not used
to produce any published figure.

Thresholds, windows and the time zone come from the dbt project's vars
(dbt_project.yml) and seeds (seeds/*.csv), read here, never written as
literals. What makes it fast:

- the order lines are read twice, each time by one hash operation on
  order_id: once for each order's net (which decides whether it is a
  purchase), once joined to the purchases on a month-end roster and summed
  straight to mentor × month × category;
- local dates by adding the zone's UTC offset when the zone had one offset
  over the whole span of the data (Asia/Shanghai since 1991), else by the
  time zone conversion the models use;
- one row per member for RFM as of as_of_date and as of the previous month
  end, and for tenure: the complete windows come from their number, the
  active ones are bits of a hugeint (no member × window grid); scores from
  counts per distinct value instead of ranking every member;
- month-end rosters as each membership's span of month indices: roster size
  and expected activity rate from the spans unnested and counted by group,
  month, tier and tenure bucket; activity and sales from the active
  member-months joined to the memberships; mentor and platform figures
  rolled up from the group-months (a mentor's roster is the disjoint union
  of her groups' rosters unless a member is on two rosters at one month end:
  checked, and then counted once per mentor as the models do).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
#: the four core marts and their grain (the key compare joins on)
MARTS: dict[str, tuple[str, ...]] = {
    "member_segments": ("member_id",),
    "tenure_activity": ("tier", "tenure_bucket"),
    "group_health_monthly": ("group_id", "month"),
    "mentor_category_output_monthly": ("mentor_id", "month", "category_code"),
}
#: the temp table holding the reference's version of each mart
REFERENCE_TABLES = {name: f"ref_{name}" for name in MARTS}
#: the model's window spine (dbt.generate_series(1200) in int_member_tenure_windows)
MAX_WINDOWS = 1200


# ---------------------------------------------------------------- configuration
def read_seed(name: str) -> list[dict[str, str | None]]:
    """A seed's rows as dbt loads them: an empty field is null."""
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class Config:
    """The vars and seeds the four marts read."""

    vars: dict
    categories: list[str]
    baselines: list[dict]
    grades: list[dict]
    standards: list[dict]
    thresholds: dict
    segments: list[dict]


def load_config(dbt_vars: dict | None = None) -> Config:
    from radar.rebuild import project_vars

    thresholds = read_seed("rfm_thresholds")
    if len(thresholds) != 1:
        raise ValueError(f"rfm_thresholds must hold one row, not {len(thresholds)}")
    return Config(vars=project_vars(dbt_vars or {}),
                  categories=[row["category_code"] for row in read_seed("categories")],
                  baselines=read_seed("tenure_activity_baselines"),
                  grades=sorted(read_seed("group_health_grades"), key=lambda row: int(row["grade_rank"])),
                  standards=read_seed("unit_output_standards"),
                  thresholds=thresholds[0],
                  segments=read_seed("rfm_segments"))


def text(value: str | None) -> str:
    """A SQL string literal (or null)."""
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def typed(value: str | None, sql_type: str) -> str:
    """A seed value as dbt types it (the seeds' column_types)."""
    return f"cast({text(value)} as {sql_type})"


def var(config: Config, name: str) -> str:
    """A var rendered as dbt renders ``{{ var(name) }}`` into SQL."""
    return str(config.vars[name])


# ------------------------------------------------------------------- local dates
def fixed_offset(con: duckdb.DuckDBPyConnection, zone_name: str) -> dt.timedelta | None:
    """The zone's UTC offset if it had one offset over the whole span of the
    landing timestamps the marts read (checked every 6 hours of the span, and
    at both ends by DuckDB's own zone data), else None."""
    lo, hi = con.execute("""
        select min(lo), max(hi) from (
            select min(joined_at) as lo, max(joined_at) as hi from landing.members
            union all select min(ordered_at), max(ordered_at) from landing.orders
            union all select min(joined_at), max(joined_at) from landing.group_memberships
            union all select min(left_at), max(left_at) from landing.group_memberships)""").fetchone()
    if lo is None:
        return None
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    start, end = lo.replace(tzinfo=dt.UTC), hi.replace(tzinfo=dt.UTC)
    offset = start.astimezone(zone).utcoffset()
    probe = start
    while probe < end:
        if probe.astimezone(zone).utcoffset() != offset:
            return None
        probe += dt.timedelta(hours=6)
    if end.astimezone(zone).utcoffset() != offset:
        return None
    for moment in (lo, hi):  # DuckDB's (ICU) zone data must agree
        local = con.execute(f"select timezone({text(zone_name)}, timezone('UTC', ?::timestamp))",
                            [moment]).fetchone()[0]
        if local - moment != offset:
            return None
    return offset


def local_date_sql(zone_name: str, offset: dt.timedelta | None):
    """A function column -> SQL of its local date (the macro local_date)."""
    if offset is not None:
        seconds = int(offset.total_seconds())
        return lambda column: f"cast({column} + interval '{seconds} seconds' as date)"
    return lambda column: f"cast(timezone({text(zone_name)}, timezone('UTC', {column})) as date)"


def month_index(column: str) -> str:
    """Months since year 0: consecutive integers for consecutive months."""
    return f"(year({column}) * 12 + month({column}) - 1)"


def month_of(index: str) -> str:
    return f"make_date(({index}) // 12, ({index}) % 12 + 1, 1)"


def last_day(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def date_sql(day: dt.date) -> str:
    return f"date '{day.isoformat()}'"


# --------------------------------------------------------------------- the SQL
@dataclass(frozen=True)
class Run:
    """What the SQL of one run is made of: config, cut-off and local-date function."""

    config: Config
    as_of: dt.date
    local_date: object


def purchases_sql(run: Run) -> list[str]:
    """Members joined by as_of, their purchases (one row each, net only) and
    sales by member × month; membership intervals started by as_of."""
    ld, as_of = run.local_date, date_sql(run.as_of)
    return [
        f"""create or replace temp table ref_m as
        select member_id, tier, {ld('joined_at')} as join_date
        from landing.members
        where {ld('joined_at')} <= {as_of}""",
        # the order lines, once: each order's net (categories come later, at the roster level)
        """create or replace temp table ref_order_net as
        select order_id, sum(line_amount - refunded_amount) as net
        from landing.order_items
        group by order_id""",
        # one row per purchase: a paid order with net > 0 of a member joined by as_of
        f"""create or replace temp table ref_p as
        select o.order_id, o.member_id, m.join_date, {ld('o.ordered_at')} as d,
               {month_index(ld('o.ordered_at'))} as mi, n.net
        from landing.orders as o
        inner join ref_order_net as n on o.order_id = n.order_id
        inner join ref_m as m on o.member_id = m.member_id
        where o.status = 'paid' and n.net > 0 and {ld('o.ordered_at')} <= {as_of}""",
        """create or replace temp table ref_mm as
        select member_id, mi, sum(net) as sales
        from ref_p
        group by member_id, mi""",
        f"""create or replace temp table ref_ri as
        select gm.member_id, gm.group_id, g.mentor_id, gm.joined_at, m.tier, m.join_date,
               {ld('gm.joined_at')} as start_date, {ld('gm.left_at')} as end_date,
               {month_index(ld('gm.joined_at'))} as start_mi,
               case when gm.left_at is null or {ld('gm.left_at')} > {as_of}
                    then {month_index(as_of)} + 1 else {month_index(ld('gm.left_at'))} end as end_mi
        from landing.group_memberships as gm
        inner join ref_m as m on gm.member_id = m.member_id
        inner join landing.groups as g on gm.group_id = g.group_id
        where {ld('gm.joined_at')} <= {as_of}""",
    ]


def segment_number(run: Run, has: str, r_high: str, f_high: str, m_high: str) -> str:
    """The rfm_segments row (1-based) a member's flags match, as its join in the models does."""
    whens = []
    for number, row in enumerate(run.config.segments, start=1):
        flags = (row["r_high"], row["f_high"], row["m_high"])
        if all(flag is None for flag in flags):
            whens.append(f"when not {has} then {number}")
        elif all(flag is not None for flag in flags):
            tests = " and ".join(f"{column} = {flag}" for column, flag in zip((r_high, f_high, m_high), flags,
                                                                              strict=True))
            whens.append(f"when {has} and {tests} then {number}")
    return f"(case {' '.join(whens)} end)"


def segment_column(run: Run, column: str, sql_type: str, number: str) -> str:
    """A column of the rfm_segments row ``number``."""
    values = ", ".join(typed(row[column], sql_type) for row in run.config.segments)
    return f"[{values}][{number}]"


def rfm_flags(run: Run, prefix: str, has: str, means: str) -> str:
    """r_high, f_high, m_high (SPEC §5.4) of columns {prefix}recency_days, … ."""
    t = run.config.thresholds
    recency, frequency, monetary = (f"{prefix}recency_days", f"{prefix}frequency_30d", f"{prefix}monetary_30d")
    if t["method"] == "mean":
        r, f, m = (f"{recency} < {means}.mean_recency_days", f"{frequency} > {means}.mean_frequency_30d",
                   f"{monetary} > {means}.mean_monetary_30d")
    else:
        r = f"{recency} <= {typed(t['r_high_max_days'], 'integer')}"
        f = f"{frequency} >= {typed(t['f_high_min_orders'], 'integer')}"
        m = f"{monetary} >= {typed(t['m_high_min_amount'], 'decimal(18, 2)')}"
    return (f"case when not {has} then null else {r} end as {prefix}r_high, "
            f"case when not {has} then false else {f} end as {prefix}f_high, "
            f"case when not {has} then false else {m} end as {prefix}m_high")


def member_totals_sql(run: Run, window_mask: bool) -> list[str]:
    """One row per member with a purchase: totals, the RFM windows on as_of and
    on the previous month end and, with ``window_mask``, the complete tenure
    windows with a purchase as bits of a hugeint (bit k: window k)."""
    cfg, as_of = run.config, run.as_of
    window, width = int(var(cfg, "rfm_window_days")), int(var(cfg, "tenure_window_days"))
    previous_end = as_of.replace(day=1) - dt.timedelta(days=1)
    d30, d60 = date_sql(as_of - dt.timedelta(days=window)), date_sql(as_of - dt.timedelta(days=2 * window))
    p0, p30 = date_sql(previous_end), date_sql(previous_end - dt.timedelta(days=window))
    k = f"((d - join_date) // {width} + 1)"
    complete = f"least(({date_sql(as_of)} - join_date + 1) // {width}, {MAX_WINDOWS})"
    mask = (f", bit_or(case when d >= join_date and {k} <= {complete} then cast(1 as hugeint) << cast({k} as integer)"
            " end) as active_windows_mask" if window_mask else "")
    return [f"""create or replace temp table ref_member_totals as
    select member_id,
           count(*) as purchases_total, sum(net) as sales_total,
           min(d) as first_purchase_date, max(d) as last_purchase_date,
           count(*) filter (where d > {d30}) as frequency_30d,
           sum(net) filter (where d > {d30}) as monetary_30d,
           sum(net) filter (where d <= {d30} and d > {d60}) as monetary_prev_30d,
           max(d) filter (where d <= {p0}) as p_last_purchase_date,
           count(*) filter (where d <= {p0} and d > {p30}) as p_frequency_30d,
           sum(net) filter (where d <= {p0} and d > {p30}) as p_monetary_30d
           {mask}
    from ref_p
    group by member_id"""]


def member_segments_sql(run: Run, overlaps: bool) -> list[str]:
    cfg, as_of = run.config, date_sql(run.as_of)
    p0 = date_sql(run.as_of.replace(day=1) - dt.timedelta(days=1))  # segment on the previous month end

    def means(has: str, prefix: str) -> str:
        return (f"select avg(cast({prefix}recency_days as double)) as mean_recency_days, "
                f"avg(cast({prefix}frequency_30d as double)) as mean_frequency_30d, "
                f"cast(sum({prefix}monetary_30d) as double) / count({prefix}monetary_30d) as mean_monetary_30d, "
                f"count(*) as buyers "
                f"from base where {has}")

    def worse(column: str, worse_first: str) -> str:
        """Buyers with a strictly worse value, per value: counts per distinct value, summed."""
        return (f"select {column} as value, sum(count(*)) over (order by {column} {worse_first}) - count(*) "
                f"as worse from base where has_purchase group by {column}")

    # at most one interval covers as_of unless memberships overlap; then the latest started wins
    rosters = f"""select member_id, group_id, mentor_id
        from ref_ri
        where end_date is null or end_date > {as_of}
        {'qualify row_number() over (partition by member_id order by joined_at desc, group_id asc) = 1'
         if overlaps else ''}"""
    churn, decline = var(cfg, "churn_after_days"), var(cfg, "decline_after_days")
    return [f"""create or replace temp table ref_member_segments as
    with base as (
        select m.member_id, m.tier, m.join_date,
               coalesce(t.purchases_total, 0) > 0 as has_purchase,
               t.first_purchase_date, t.last_purchase_date,
               {as_of} - t.last_purchase_date as recency_days,
               coalesce(t.purchases_total, 0) as purchases_total,
               coalesce(t.sales_total, 0) as sales_total,
               coalesce(t.frequency_30d, 0) as frequency_30d,
               cast(coalesce(t.monetary_30d, 0) as decimal(18, 2)) as monetary_30d,
               cast(coalesce(t.monetary_prev_30d, 0) as decimal(18, 2)) as monetary_prev_30d,
               m.join_date <= {p0} as p_joined,
               t.p_last_purchase_date is not null as p_has_purchase,
               {p0} - t.p_last_purchase_date as p_recency_days,
               coalesce(t.p_frequency_30d, 0) as p_frequency_30d,
               cast(coalesce(t.p_monetary_30d, 0) as decimal(18, 2)) as p_monetary_30d
        from ref_m as m
        left join ref_member_totals as t on m.member_id = t.member_id
    ),
    means as ({means('has_purchase', '')}),
    p_means as ({means('p_joined and p_has_purchase', 'p_')}),
    r_worse as ({worse('recency_days', 'desc')}),
    f_worse as ({worse('frequency_30d', 'asc')}),
    m_worse as ({worse('monetary_30d', 'asc')}),
    flagged as (
        select base.*,
               {rfm_flags(run, '', 'has_purchase', 'means')},
               {rfm_flags(run, 'p_', 'p_has_purchase', 'p_means')},
               case when base.has_purchase then cast(1 + 5 * r.worse // means.buyers as integer) end as r_score,
               case when base.has_purchase then cast(1 + 5 * f.worse // means.buyers as integer) end as f_score,
               case when base.has_purchase then cast(1 + 5 * m.worse // means.buyers as integer) end as m_score
        from base
        cross join means
        cross join p_means
        left join r_worse as r on base.has_purchase and base.recency_days = r.value
        left join f_worse as f on base.has_purchase and base.frequency_30d = f.value
        left join m_worse as m on base.has_purchase and base.monetary_30d = m.value
    ),
    segmented as (
        select *,
               {segment_number(run, 'has_purchase', 'r_high', 'f_high', 'm_high')} as segment_number,
               case when p_joined
                    then {segment_number(run, 'p_has_purchase', 'p_r_high', 'p_f_high', 'p_m_high')} end
                   as p_segment_number
        from flagged
    ),
    rosters as ({rosters})
    select
        {as_of} as as_of_date,
        f.member_id,
        f.tier,
        f.join_date,
        cast(floor(cast({as_of} - f.join_date as double) / {var(cfg, 'tenure_window_days')}) + 1
             as integer) as tenure_month,
        r.group_id,
        r.mentor_id,
        f.first_purchase_date,
        f.last_purchase_date,
        cast(f.recency_days as integer) as recency_days,
        cast(f.frequency_30d as integer) as frequency_30d,
        cast(f.monetary_30d as decimal(18, 4)) as monetary_30d,
        cast(f.monetary_prev_30d as decimal(18, 4)) as monetary_prev_30d,
        cast(f.purchases_total as integer) as purchases_total,
        cast(f.sales_total as decimal(18, 4)) as sales_total,
        f.r_high,
        f.f_high,
        f.m_high,
        f.r_score,
        f.f_score,
        f.m_score,
        {segment_column(run, 'segment', 'varchar', 'f.segment_number')} as segment,
        {segment_column(run, 'segment_rank', 'integer', 'f.segment_number')} as segment_rank,
        {segment_column(run, 'name_zh', 'varchar', 'f.segment_number')} as segment_name_zh,
        case
            when not f.has_purchase
                then case when {as_of} - f.join_date <= {churn} then 'onboarding' else 'churned' end
            when f.recency_days > {churn} then 'churned'
            when f.recency_days > {decline} then 'declining'
            when f.monetary_prev_30d >= {var(cfg, 'spend_drop_min_base')}
                 and f.monetary_30d < (1 - {var(cfg, 'spend_drop_threshold')}) * f.monetary_prev_30d
                then 'declining'
            when f.purchases_total = 1 then 'growth'
            else 'mature'
        end as lifecycle_stage,
        {segment_column(run, 'segment', 'varchar', 'f.p_segment_number')} as previous_segment,
        {segment_column(run, 'segment_rank', 'integer', 'f.p_segment_number')} as previous_segment_rank
    from segmented as f
    left join rosters as r on f.member_id = r.member_id"""]


def tenure_activity_sql(run: Run, window_mask: bool) -> list[str]:
    """Complete windows counted per member from their number; active ones
    from the bits of ref_member_totals (``window_mask``) or else the distinct
    (member, window) pairs of the purchases."""
    cfg, as_of = run.config, date_sql(run.as_of)
    width, top = int(var(cfg, "tenure_window_days")), int(var(cfg, "tenure_max_bucket"))
    if window_mask:
        bits = ", ".join(f"sum(cast((t.active_windows_mask >> {b}) & 1 as integer)) as a{b}" for b in range(1, top))
        active = f"""select tier, unnest(range(1, {top} + 1)) as tenure_bucket,
               unnest([{', '.join(f'a{b}' for b in range(1, top + 1))}]) as active_windows
        from (select m.tier, {bits}, sum(bit_count(t.active_windows_mask >> {top})) as a{top}
              from ref_member_totals as t
              inner join ref_m as m on t.member_id = m.member_id
              group by m.tier)"""
    else:
        active = f"""select tier, least(tenure_month, {top}) as tenure_bucket, count(*) as active_windows
        from (select distinct p.member_id, m.tier, (p.d - p.join_date) // {width} + 1 as tenure_month
              from ref_p as p
              inner join members as m on p.member_id = m.member_id
              where p.d >= p.join_date and (p.d - p.join_date) // {width} + 1 <= m.complete_windows)
        group by all"""
    return [f"""create or replace temp table ref_tenure_activity as
    with members as (
        select member_id, tier, least(({as_of} - join_date + 1) // {width}, {MAX_WINDOWS}) as complete_windows
        from ref_m
    ),
    by_count as (
        select tier, complete_windows, count(*) as members
        from members
        where complete_windows > 0
        group by all
    ),
    windows as (
        select c.tier, b.bucket as tenure_bucket,
               sum(case when b.bucket < {top} then c.members
                        else c.members * (c.complete_windows - {top} + 1) end) as windows
        from by_count as c
        inner join (select unnest(range(1, {top} + 1)) as bucket) as b on c.complete_windows >= b.bucket
        group by all
    ),
    active as ({active}),
    rates as (
        select w.tier, w.tenure_bucket, w.windows, coalesce(a.active_windows, 0) as active_windows,
               cast(coalesce(a.active_windows, 0) as double) / w.windows as active_rate,
               cast(b.expected_active_rate as double) as expected_active_rate
        from windows as w
        left join active as a on w.tier = a.tier and w.tenure_bucket = a.tenure_bucket
        left join ref_baselines as b on w.tier = b.tier and w.tenure_bucket = b.tenure_bucket
    )
    select cast(tier as integer) as tier, cast(tenure_bucket as integer) as tenure_bucket,
           cast(windows as integer) as windows, cast(active_windows as integer) as active_windows,
           active_rate, expected_active_rate, (active_rate - expected_active_rate) * 100 as delta_pp
    from rates"""]


def seeds_sql(run: Run) -> list[str]:
    rows = ", ".join(f"({typed(r['tier'], 'integer')}, {typed(r['tenure_bucket'], 'integer')}, "
                     f"{typed(r['expected_active_rate'], 'decimal(6, 4)')})" for r in run.config.baselines)
    return [f"""create or replace temp table ref_baselines as
    select * from (values {rows}) as b(tier, tenure_bucket, expected_active_rate)"""]


def group_months_sql(run: Run) -> list[str]:
    """ref_gm: one row per group and month with a non-empty month-end roster."""
    cfg, as_of = run.config, run.as_of
    as_of_mi = as_of.year * 12 + as_of.month - 1
    width, top = var(cfg, "tenure_window_days"), var(cfg, "tenure_max_bucket")
    return [
        # month ends of the months any roster spans
        f"""create or replace temp table ref_months as
        select mi, case when mi = {as_of_mi} then {date_sql(as_of)}
                        else cast(last_day({month_of('mi')}) as date) end as month_end
        from range((select min(start_mi) from ref_ri), {as_of_mi} + 1) as r(mi)""",
        # roster size and expected activity rate: each membership's months, aggregated
        f"""create or replace temp table ref_rosters as
        with spans as (
            select group_id, mentor_id, tier, join_date, unnest(range(start_mi, end_mi)) as mi
            from ref_ri
            where start_mi < end_mi
        ),
        buckets as (
            select s.group_id, s.mentor_id, s.mi, s.tier,
                   greatest(1, least(cast(floor(cast(m.month_end - s.join_date as double) / {width}) as integer) + 1,
                                     {top})) as tenure_bucket,
                   count(*) as members
            from spans as s
            inner join ref_months as m on s.mi = m.mi
            group by all
        )
        select k.group_id, k.mentor_id, k.mi, sum(k.members) as roster_size,
               sum(k.members * b.expected_active_rate) as expected_sum,
               sum(k.members) filter (where b.expected_active_rate is not null) as expected_count
        from buckets as k
        left join ref_baselines as b on k.tier = b.tier and k.tenure_bucket = b.tenure_bucket
        group by all""",
        # activity and sales: the active member-months on a roster
        """create or replace temp table ref_active as
        select ri.group_id, ri.mentor_id, mm.mi, mm.member_id, mm.sales
        from ref_mm as mm
        inner join ref_ri as ri
            on mm.member_id = ri.member_id and mm.mi >= ri.start_mi and mm.mi < ri.end_mi""",
        """create or replace temp table ref_gm as
        with active as (
            select group_id, mi, count(*) as active_members, sum(sales) as sales
            from ref_active
            group by all
        )
        select r.group_id, r.mentor_id, r.mi, r.roster_size, r.expected_sum, r.expected_count,
               coalesce(a.active_members, 0) as active_members, coalesce(a.sales, 0) as sales
        from ref_rosters as r
        left join active as a on r.group_id = a.group_id and r.mi = a.mi""",
    ]


def group_health_sql(run: Run) -> list[str]:
    cfg, as_of = run.config, run.as_of
    complete_before = as_of.year * 12 + as_of.month - (0 if as_of == last_day(as_of) else 1)
    grades = cfg.grades
    fail = max(int(g["grade_rank"]) for g in grades) + 1
    best = " ".join(
        f"when cast(activity_uplift_pp as decimal(18, 4)) >= {typed(g['min_activity_uplift_pp'], 'decimal(10, 4)')}"
        f" and cast(unit_output_uplift_pct as decimal(18, 4)) >= "
        f"{typed(g['min_unit_output_uplift_pct'], 'decimal(10, 4)')} then {int(g['grade_rank'])}"
        for g in grades)
    names = " ".join(f"when {int(g['grade_rank'])} then {text(g['grade'])}" for g in grades)
    standards = ", ".join(f"({typed(s['month'], 'date')}, {typed(s['standard_unit_output'], 'decimal(18, 4)')})"
                          for s in cfg.standards) or "(cast(null as date), cast(null as decimal(18, 4)))"
    return [f"""create or replace temp table ref_group_health_monthly as
    with platform as (
        select mi, case when sum(active_members) > 0
                        then cast(sum(sales) as double) / sum(active_members) end as platform_unit_output
        from ref_gm
        group by mi
    ),
    standards as (
        select * from (values {standards}) as s(month, standard_unit_output) where month is not null
    ),
    rates as (
        select g.group_id, {month_of('g.mi')} as month, g.mi, g.mentor_id,
               g.mi < {complete_before} as is_complete_month,
               g.roster_size, g.active_members,
               cast(g.active_members as double) / g.roster_size as activity_rate,
               g.sales,
               case when g.active_members > 0 then cast(g.sales as double) / g.active_members end as unit_output,
               cast(g.expected_sum as double) / g.expected_count as expected_activity_rate,
               coalesce(cast(s.standard_unit_output as double), p.platform_unit_output) as standard_unit_output,
               case when s.standard_unit_output is not null then 'seed' else 'platform' end as standard_source
        from ref_gm as g
        inner join platform as p on g.mi = p.mi
        left join standards as s on {month_of('g.mi')} = s.month
    ),
    uplifts as (
        select *,
               (activity_rate - expected_activity_rate) * 100 as activity_uplift_pp,
               case when standard_unit_output > 0
                    then (unit_output / standard_unit_output - 1) * 100 end as unit_output_uplift_pct
        from rates
    ),
    graded as (
        select *,
               case
                   when not is_complete_month then null
                   when roster_size < {var(cfg, 'min_group_size')} then null
                   when active_members = 0 then {fail}
                   else coalesce(case {best} end, {fail})
               end as grade_rank
        from uplifts
    ),
    named as (
        select *, case when grade_rank is not null then coalesce(case grade_rank {names} end, 'fail') end as grade
        from graded
    )
    select n.group_id, n.month, n.mentor_id, n.is_complete_month,
           cast(n.roster_size as integer) as roster_size, cast(n.active_members as integer) as active_members,
           n.activity_rate, cast(n.sales as decimal(18, 4)) as sales, n.unit_output, n.expected_activity_rate,
           n.standard_unit_output, n.standard_source, n.activity_uplift_pp, n.unit_output_uplift_pct,
           n.grade, cast(n.grade_rank as integer) as grade_rank,
           p.grade as previous_grade, cast(p.grade_rank as integer) as previous_grade_rank
    from named as n
    left join named as p on n.group_id = p.group_id and n.mi - 1 = p.mi"""]


def mentor_category_sql(run: Run, overlaps: bool) -> list[str]:
    """The purchases on a month-end roster, joined to their order lines once and
    summed by mentor, month and category; mentor and platform activity rolled
    up from the group-months. ``overlaps``: a member on two of a mentor's
    rosters at one month end counts once for the mentor (every roster row
    counts for the platform, as in the models)."""
    cfg, as_of = run.config, run.as_of
    complete_before = as_of.year * 12 + as_of.month - (0 if as_of == last_day(as_of) else 1)
    line_net = "i.line_amount - i.refunded_amount"
    statements = [
        """create or replace temp table ref_roster_purchases as
        select p.order_id, ri.group_id, ri.mentor_id, p.mi
        from ref_p as p
        inner join ref_ri as ri
            on p.member_id = ri.member_id and p.mi >= ri.start_mi and p.mi < ri.end_mi""",
        f"""create or replace temp table ref_mentor_categories as
        select r.mentor_id, r.mi, i.category_code, sum({line_net}) as category_sales
        from landing.order_items as i
        inner join {'(select distinct order_id, mentor_id, mi from ref_roster_purchases)' if overlaps
                    else 'ref_roster_purchases'} as r on i.order_id = r.order_id
        group by all""",
    ]
    if overlaps:
        mentor_active = """select mentor_id, mi, count(*) as active_members
            from (select distinct mentor_id, mi, member_id from ref_active)
            group by all"""
        statements.append(f"""create or replace temp table ref_platform_categories as
        select r.mi, i.category_code, sum({line_net}) as category_sales
        from landing.order_items as i
        inner join ref_roster_purchases as r on i.order_id = r.order_id
        group by all""")
    else:
        mentor_active = "select mentor_id, mi, sum(active_members) as active_members from ref_gm group by all"
        statements.append("""create or replace temp table ref_platform_categories as
        select mi, category_code, sum(category_sales) as category_sales
        from ref_mentor_categories
        group by all""")
    codes = ", ".join(text(code) for code in cfg.categories)
    statements.append(f"""create or replace temp table ref_mentor_category_output_monthly as
    with mentor_months as (
        select distinct mentor_id, mi from ref_gm
    ),
    mentor_active as ({mentor_active}),
    platform as (
        select mi, sum(active_members) as active_members from ref_gm group by mi
    ),
    outputs as (
        select mm.mentor_id, mm.mi, c.category_code,
               mm.mi < {complete_before} as is_complete_month,
               coalesce(e.active_members, 0) as active_members,
               coalesce(s.category_sales, 0) as category_sales,
               case when coalesce(e.active_members, 0) > 0
                    then cast(coalesce(s.category_sales, 0) as double) / e.active_members end
                   as category_unit_output,
               case when p.active_members > 0
                    then cast(coalesce(ps.category_sales, 0) as double) / p.active_members end
                   as platform_category_unit_output
        from mentor_months as mm
        cross join (select unnest([{codes}]) as category_code) as c
        inner join platform as p on mm.mi = p.mi
        left join mentor_active as e on mm.mentor_id = e.mentor_id and mm.mi = e.mi
        left join ref_mentor_categories as s
            on mm.mentor_id = s.mentor_id and mm.mi = s.mi and c.category_code = s.category_code
        left join ref_platform_categories as ps on mm.mi = ps.mi and c.category_code = ps.category_code
    ),
    indexed as (
        select *, case when platform_category_unit_output > 0
                       then category_unit_output / platform_category_unit_output end as output_index
        from outputs
    )
    select mentor_id, {month_of('mi')} as month, category_code, is_complete_month,
           cast(active_members as integer) as active_members,
           cast(category_sales as decimal(18, 4)) as category_sales,
           category_unit_output, platform_category_unit_output, output_index,
           coalesce(is_complete_month and output_index < 1 - {var(cfg, 'category_gap_tolerance')}, false)
               as is_gap
    from indexed""")
    return statements


OVERLAPS_SQL = """
select count(*) from (
    select start_mi, max(end_mi) over (partition by member_id order by start_mi, end_mi
                                       rows between unbounded preceding and 1 preceding) as previous_end
    from ref_ri
    where start_mi < end_mi
      and member_id in (select member_id from ref_ri group by member_id having count(*) > 1)
)
where previous_end > start_mi"""


def resolve_as_of(con: duckdb.DuckDBPyConnection, config: Config, as_of: str | dt.date | None, ld,
                  fixed: bool) -> dt.date:
    """as_of_date: the argument, else the var, else the latest local order date (any status)."""
    chosen = as_of if as_of is not None else config.vars.get("as_of_date")
    if chosen is not None:
        return chosen if isinstance(chosen, dt.date) else dt.date.fromisoformat(str(chosen))
    # with a fixed offset the local date only grows with the instant
    latest = con.execute(f"select {ld('max(ordered_at)')} from landing.orders" if fixed
                         else f"select max({ld('ordered_at')}) from landing.orders").fetchone()[0]
    if latest is None:
        raise ValueError("landing.orders is empty: give an as_of date")
    return latest


def execute(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    for statement in statements:
        con.execute(statement)


def compute(con: duckdb.DuckDBPyConnection, as_of: str | dt.date | None = None, *,
            config: Config | None = None, shortcuts: bool = True) -> dict[str, float]:
    """Build the four reference tables (REFERENCE_TABLES, temp tables of ``con``); seconds per step.

    ``shortcuts=False`` takes the general paths (time zone conversion, rosters
    deduplicated per mentor) even where the fixed offset and the disjoint
    rosters would do: the same tables, slower; for the tests."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    config = config or load_config()
    con.execute("set TimeZone = 'UTC'")
    con.execute("set preserve_insertion_order = false")  # no statement here relies on row order
    zone = str(config.vars["business_timezone"])
    offset = fixed_offset(con, zone) if shortcuts else None
    ld = local_date_sql(zone, offset)
    run = Run(config, resolve_as_of(con, config, as_of, ld, offset is not None), ld)
    execute(con, seeds_sql(run) + purchases_sql(run))
    # the bit mask holds windows 1 .. 126 (a hugeint has 127 value bits)
    most_windows = con.execute(f"select max(({date_sql(run.as_of)} - join_date + 1) // "
                               f"{var(config, 'tenure_window_days')}) from ref_m").fetchone()[0] or 0
    window_mask = shortcuts and most_windows <= 126 and int(var(config, "tenure_max_bucket")) <= 126
    execute(con, member_totals_sql(run, window_mask))
    overlaps = not shortcuts or con.execute(OVERLAPS_SQL).fetchone()[0] > 0
    timings["setup"] = time.perf_counter() - started
    steps = (("member_segments", lambda run: member_segments_sql(run, overlaps)),
             ("tenure_activity", lambda run: tenure_activity_sql(run, window_mask)),
             ("group_months", group_months_sql), ("group_health_monthly", group_health_sql))
    for name, make in steps:
        started = time.perf_counter()
        execute(con, make(run))
        timings[name] = time.perf_counter() - started
    started = time.perf_counter()
    execute(con, mentor_category_sql(run, overlaps))
    timings["mentor_category_output_monthly"] = time.perf_counter() - started
    timings["total"] = sum(timings.values())
    return timings


# ---------------------------------------------------------------- equality check
def _same(column: str, sql_type: str) -> str:
    """SQL: the reference's and the mart's cell agree (nulls equal; doubles to 1e-9 relative)."""
    ref, mart = f'r."{column}"', f'm."{column}"'
    if sql_type in ("DOUBLE", "FLOAT", "REAL"):
        return (f"(({ref} is null and {mart} is null) or ({ref} is not null and {mart} is not null and "
                f"(abs({ref} - {mart}) <= 1e-9 * greatest(abs({ref}), abs({mart})) "
                f"or abs({ref} - {mart}) <= 1e-12 or {ref} = {mart})))")
    return f"({ref} is not distinct from {mart})"


def compare(con: duckdb.DuckDBPyConnection, reference_tables: dict[str, str] | None = None,
            schema: str = "marts", show: int = 5, marts: tuple[str, ...] | None = None) -> list[str]:
    """Compare each reference table with its built mart cell by cell.

    Returns the differences found (empty when every mart is equal): column
    names or types that differ, row counts, and for each differing column
    the number of rows and the first ``show`` differing rows with both
    values (rows missing on one side are listed as such)."""
    problems: list[str] = []
    for mart in marts or tuple(MARTS):
        keys, table = MARTS[mart], {**REFERENCE_TABLES, **(reference_tables or {})}[mart]
        mart_columns = con.execute(f"describe {schema}.{mart}").fetchall()
        ref_columns = con.execute(f"describe {table}").fetchall()
        names = [c[0] for c in mart_columns]
        if [c[0] for c in ref_columns] != names:
            problems.append(f"{mart}: columns differ: mart {names}, reference {[c[0] for c in ref_columns]}")
            continue
        types = [(c[0], c[1], r[1]) for c, r in zip(mart_columns, ref_columns, strict=True) if c[1] != r[1]]
        if types:
            problems.append(f"{mart}: column types differ (column, mart, reference): {types}")
        counts = con.execute(f"select (select count(*) from {schema}.{mart}), (select count(*) from {table}), "
                             f"(select count(*) from (select distinct {', '.join(keys)} from {table}))").fetchone()
        if counts[0] != counts[1] or counts[1] != counts[2]:
            problems.append(f"{mart}: {counts[0]} rows in the mart, {counts[1]} in the reference "
                            f"({counts[2]} distinct keys)")
        on = " and ".join(f'r."{k}" = m."{k}"' for k in keys)
        key_cols = ", ".join(f'coalesce(r."{k}", m."{k}") as "{k}"' for k in keys)
        joined = (f"from {table} as r full outer join {schema}.{mart} as m on {on}")
        missing = con.execute(f"select {key_cols}, r.\"{keys[0]}\" is null as only_mart {joined} "
                              f"where r.\"{keys[0]}\" is null or m.\"{keys[0]}\" is null "
                              f"order by all limit {show}").fetchall()
        n_missing = con.execute(f"select count(*) {joined} where r.\"{keys[0]}\" is null "
                                f"or m.\"{keys[0]}\" is null").fetchone()[0]
        if n_missing:
            problems.append(f"{mart}: {n_missing} keys on one side only, e.g. "
                            + "; ".join(f"{row[:-1]} only in the {'mart' if row[-1] else 'reference'}"
                                        for row in missing))
        for column, sql_type, *_ in mart_columns:
            if column in keys:
                continue
            where = f"r.\"{keys[0]}\" is not null and m.\"{keys[0]}\" is not null and not {_same(column, sql_type)}"
            n = con.execute(f"select count(*) {joined} where {where}").fetchone()[0]
            if n:
                rows = con.execute(f"select {key_cols}, r.\"{column}\", m.\"{column}\" {joined} where {where} "
                                   f"order by all limit {show}").fetchall()
                problems.append(f"{mart}.{column}: {n} rows differ, e.g. "
                                + "; ".join(f"{row[:-2]}: reference {row[-2]!r}, mart {row[-1]!r}"
                                            for row in rows))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="warehouse file with the landing schema")
    parser.add_argument("--as-of", help="as_of_date (default: the var, else the latest local order date)")
    parser.add_argument("--check", action="store_true",
                        help="after timing, compare with the built marts cell by cell (exit 1 if they differ)")
    args = parser.parse_args(argv)
    # the same memory cap and optimizers as dbt's DuckDB (profiles/profiles.yml): a fair
    # race, and a bounded peak (10 GB at XL without one)
    config = {"memory_limit": os.environ.get("RADAR_DUCKDB_MEMORY_LIMIT", "3GB"),
              "disabled_optimizers": os.environ.get("RADAR_DUCKDB_DISABLED_OPTIMIZERS",
                                                    "partial_aggregate_pushdown")}
    with duckdb.connect(args.db, read_only=True, config=config) as con:
        timings = compute(con, args.as_of)
        for name, seconds in timings.items():
            print(f"{name:<32} {seconds:8.3f} s")
        if args.check:
            problems = compare(con)
            if problems:  # on stdout, where the bench shows a failed step's output
                for problem in problems:
                    print("  " + problem)
                print(f"reference != marts: {len(problems)} difference(s), above")
                return 1
            rows = {mart: con.execute(f"select count(*) from {table}").fetchone()[0]
                    for mart, table in REFERENCE_TABLES.items()}
            print(f"reference == marts, cell by cell: {rows}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
