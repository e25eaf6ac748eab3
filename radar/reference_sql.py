"""Hand-written single-script DuckDB SQL for the four core outputs (benchmark reference).

This is the yardstick of issue 5: the same four computations the warehouse
does — member RFM as of a date, tenure-window activity by tier, group-month
activity and unit output, mentor-month category unit output — written as plain
DuckDB SQL straight over the landing tables, with no dbt, no views and no
portability layer. `make bench` times it on the same data, same machine, same
minute, and reports the warehouse's time as a ratio of it. It is not used to
produce any published figure.
"""

from __future__ import annotations

import argparse
import sys
import time

import duckdb

SETUP = """
set TimeZone = 'UTC';
create or replace temp table p as
select coalesce(cast(? as date),
       (select max(cast(timezone('{tz}', timezone('UTC', ordered_at)) as date)) from landing.orders))
       as as_of;
create or replace temp table m as
select member_id, tier, cast(timezone('{tz}', timezone('UTC', joined_at)) as date) as join_date
from landing.members, p
where cast(timezone('{tz}', timezone('UTC', joined_at)) as date) <= p.as_of;
create or replace temp table o as
select o.order_id, o.member_id, cast(timezone('{tz}', timezone('UTC', o.ordered_at)) as date) as d,
       (o.status = 'paid' and coalesce(i.net, 0) > 0) as is_purchase, coalesce(i.net, 0) as net
from landing.orders o
join m using (member_id)
left join (select order_id, sum(line_amount - refunded_amount) as net
           from landing.order_items group by 1) i using (order_id), p
where cast(timezone('{tz}', timezone('UTC', o.ordered_at)) as date) <= p.as_of;
create or replace temp table dp as
select member_id, d, count(*) as purchases, sum(net) as sales from o where is_purchase group by 1, 2;
"""

RFM = """
create or replace temp table ref_rfm as
with agg as (
    select m.member_id,
           max(dp.d) as last_d,
           sum(case when dp.d > p.as_of - 30 then dp.purchases else 0 end) as f30,
           sum(case when dp.d > p.as_of - 30 then dp.sales else 0 end) as m30
    from m cross join p left join dp using (member_id)
    group by 1
)
select member_id, p.as_of - last_d as recency_days, coalesce(f30, 0) as f30, coalesce(m30, 0) as m30,
       (p.as_of - last_d) <= 14 as r_high, coalesce(f30, 0) >= 2 as f_high, coalesce(m30, 0) >= 500 as m_high
from agg, p
"""

TENURE = """
create or replace temp table ref_tenure as
with w as (
    select m.member_id, m.tier, k.k,
           m.join_date + cast(30 * (k.k - 1) as integer) as ws, m.join_date + cast(30 * k.k - 1 as integer) as we
    from m, p, range(1, 200) as k(k)
    where m.join_date + cast(30 * k.k - 1 as integer) <= p.as_of
), act as (
    select w.tier, least(w.k, 13) as bucket, w.member_id, w.k,
           max(case when dp.d is not null then 1 else 0 end) as active
    from w left join dp on dp.member_id = w.member_id and dp.d between w.ws and w.we
    group by all
)
select tier, bucket, count(*) as windows, sum(active) as active_windows, avg(active) as active_rate
from act group by all
"""

ROSTERS = """
create or replace temp table months as
select cast(mo as date) as month,
       least(cast(last_day(mo) as date), p.as_of) as month_end
from p, range(date '2000-01-01', (select as_of from p) + 1, interval 1 month) as r(mo)
where mo >= (select date_trunc('month', min(join_date)) from m);
create or replace temp table gm as
select g.group_id, g.mentor_id, gm.member_id,
       cast(timezone('{tz}', timezone('UTC', gm.joined_at)) as date) as s,
       cast(timezone('{tz}', timezone('UTC', gm.left_at)) as date) as e
from landing.group_memberships gm join landing.groups g using (group_id) join m using (member_id), p
where cast(timezone('{tz}', timezone('UTC', gm.joined_at)) as date) <= p.as_of;
create or replace temp table roster as
select months.month, gm.group_id, gm.mentor_id, gm.member_id
from months join gm on gm.s <= months.month_end and (gm.e is null or gm.e > months.month_end);
create or replace temp table mm as
select member_id, date_trunc('month', d) as month, sum(purchases) as purchases, sum(sales) as sales
from dp group by all;
"""

GROUP = """
create or replace temp table ref_group as
select r.group_id, r.month, count(*) as roster_size, count(mm.member_id) as active_members,
       count(mm.member_id) / count(*) as activity_rate, coalesce(sum(mm.sales), 0) as sales,
       sum(mm.sales) / nullif(count(mm.member_id), 0) as unit_output
from roster r left join mm on mm.member_id = r.member_id and mm.month = r.month
group by all
"""

MENTOR_CATEGORY = """
create or replace temp table ref_mentor_category as
with mr as (select distinct mentor_id, month, member_id from roster),
cat as (
    select o.member_id, date_trunc('month', o.d) as month, i.category_code,
           sum(i.line_amount - i.refunded_amount) as s
    from o join landing.order_items i using (order_id) where o.is_purchase group by all
),
active as (
    select mr.mentor_id, mr.month, count(mm.member_id) as active_members
    from mr left join mm on mm.member_id = mr.member_id and mm.month = mr.month group by all
)
select mr.mentor_id, mr.month, cat.category_code, sum(cat.s) as category_sales,
       sum(cat.s) / nullif(any_value(a.active_members), 0) as category_unit_output
from mr join cat on cat.member_id = mr.member_id and cat.month = mr.month
join active a on a.mentor_id = mr.mentor_id and a.month = mr.month
group by all
"""


def run(db: str, as_of: str | None, timezone: str = "Asia/Shanghai") -> dict[str, float]:
    timings: dict[str, float] = {}
    with duckdb.connect(db, read_only=True) as con:
        started = time.perf_counter()
        for statement in SETUP.format(tz=timezone).split(";"):
            if statement.strip():
                con.execute(statement, [as_of] if "?" in statement else [])
        timings["setup"] = time.perf_counter() - started
        for name, sql in (("member_rfm", RFM), ("tenure_activity", TENURE),
                          ("rosters", ROSTERS), ("group_month", GROUP),
                          ("mentor_month_category", MENTOR_CATEGORY)):
            started = time.perf_counter()
            for statement in sql.format(tz=timezone).split(";"):
                if statement.strip():
                    con.execute(statement)
            timings[name] = time.perf_counter() - started
    timings["total"] = sum(timings.values())
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="warehouse file with the landing schema")
    parser.add_argument("--as-of", help="as_of_date (default: latest local order date)")
    args = parser.parse_args(argv)
    timings = run(args.db, args.as_of)
    for name, seconds in timings.items():
        print(f"{name:<24} {seconds:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
