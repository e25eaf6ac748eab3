"""Erasure requests (SPEC §1): a member's data removed everywhere, for good.

Requests arrive as the landing file ``erasure_requests`` (member_id,
requested_at) and are loaded like any file into ``landing.erasure_requests``,
first in their batch. Then:

* **at load time**, a row of an erased member in any later file (members,
  group_memberships, orders) — and an order line of an order quarantined that
  way — is quarantined with reason ``erased`` and *without* its values (record
  null), so read = loaded + quarantined still holds and nothing of the member
  is kept; their phone and nickname never reach the PII store;
* **after loading**, :func:`apply` deletes the member's rows already loaded
  (members, group_memberships, orders and those orders' lines), blanks the
  values of their quarantined rows, deletes their phone and nickname from the
  PII store, and writes one row per new request to ``landing.erasure_log``
  (member_id, requested_at, applied_at, relations_touched; no PII);
* when anything was erased, the pipeline rebuilds every model with
  ``dbt build --full-refresh`` (so incremental models and histories lose the
  member too; after a ``--no-build`` run, the next build does it:
  ``erasure_log.models_rebuilt``) and rewrites the PII store and the warehouse into fresh files
  (:func:`radar.pii.rewrite`), so no free page keeps a deleted value.

Requests are kept: ``--reload`` carries ``landing.erasure_requests`` and
``landing.erasure_log`` over from the last good warehouse before loading any
batch (:func:`carry_over`), so re-sent old batches never bring a member back.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from radar.contract import FileSpec
from radar.pii import STORE_ALIAS

REQUESTS = "landing.erasure_requests"
LOG = "landing.erasure_log"
DETAIL = "the member asked to be erased"
#: landing files whose rows belong to a member through member_id
MEMBER_FILES = ("members", "group_memberships", "orders")


def ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"create table if not exists {LOG} (member_id varchar, requested_at timestamp, "
        "applied_at timestamp, relations_touched varchar, models_rebuilt boolean)"
    )


def rebuild_pending(db: Path) -> bool:
    """True while an applied erasure still waits for the models' full refresh
    (a run with --no-build erases from the landing schema only)."""
    with duckdb.connect(str(db), read_only=True) as con:
        ensure = con.execute("select count(*) from information_schema.tables where table_schema = 'landing' "
                             "and table_name = 'erasure_log'").fetchone()[0]
        return bool(ensure) and con.execute(f"select count(*) from {LOG} where not models_rebuilt").fetchone()[0] > 0


def mark_rebuilt(db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute(f"update {LOG} set models_rebuilt = true where not models_rebuilt")


def erased_members(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(f"select member_id from {REQUESTS}").fetchall()}


def load_time_rule(spec: FileSpec) -> str | None:
    """SQL condition on the loader's candidate rows that marks rows of erased members."""
    if spec.name in MEMBER_FILES:
        return f"member_id in (select member_id from {REQUESTS})"
    if spec.name == "order_items":
        return ("order_id in (select record_key from landing.quarantine "
                "where file = 'orders' and reason_code = 'erased')")
    return None


def carry_over(con: duckdb.DuckDBPyConnection, last_good: Path) -> int:
    """Copy the requests and the audit log of ``last_good`` into the (empty) new landing schema."""
    if not last_good.exists():
        return 0
    ensure_log(con)
    con.execute("attach ? as last_good (read_only)", [str(last_good)])
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'last_good' and table_schema = 'landing'").fetchall()}
        if "erasure_requests" not in tables:
            return 0
        con.execute(f"insert into {REQUESTS} select * from last_good.landing.erasure_requests")
        if "erasure_log" in tables:
            con.execute(f"insert into {LOG} select * from last_good.landing.erasure_log")
        return con.execute(f"select count(*) from {REQUESTS}").fetchone()[0]
    finally:
        con.execute("detach last_good")


def apply(con: duckdb.DuckDBPyConnection, now) -> int:
    """Erase every requested member from the landing schema and the PII store.

    Returns how many rows were deleted or blanked plus how many requests were
    logged for the first time (0: nothing changed, no rebuild needed).
    """
    ensure_log(con)
    if not con.execute(f"select count(*) from {REQUESTS}").fetchone()[0]:
        return 0
    # the erased members' orders: loaded, quarantined with their values, or
    # quarantined as `erased` at load time (member no longer known: null)
    con.execute(f"""
        create or replace temp table erased_orders as
        select order_id, max(member_id) as member_id from (
            select order_id, member_id from landing.orders
            where member_id in (select member_id from {REQUESTS})
            union all
            select json_extract_string(record, '$.order_id'), json_extract_string(record, '$.member_id')
            from landing.quarantine where file = 'orders' and record is not null
                and json_extract_string(record, '$.member_id') in (select member_id from {REQUESTS})
            union all
            select record_key, null from landing.quarantine where file = 'orders' and reason_code = 'erased'
        ) group by order_id
    """)
    # (relation, member_id, rows) touched, counted before anything changes
    counts = f"""
        select 'landing.' || file, member_id, count(*) from (
            select 'members' as file, member_id from landing.members
            union all select 'group_memberships', member_id from landing.group_memberships
            union all select 'orders', member_id from landing.orders
            union all select 'order_items', o.member_id from landing.order_items as i
                inner join erased_orders as o on o.order_id = i.order_id
        ) where member_id in (select member_id from {REQUESTS}) group by all
        union all
        select 'landing.quarantine', coalesce(json_extract_string(q.record, '$.member_id'), o.member_id), count(*)
        from landing.quarantine as q
        left join erased_orders as o
            on q.file = 'order_items' and o.order_id = json_extract_string(q.record, '$.order_id')
        where q.record is not null and (o.order_id is not null or (
            q.file in {MEMBER_FILES}
            and json_extract_string(q.record, '$.member_id') in (select member_id from {REQUESTS})))
        group by all
        union all
        select 'PII store', member_id, count(*) from {STORE_ALIAS}.main.members
        where member_id in (select member_id from {REQUESTS}) group by all
    """
    touched: dict[str, list[str]] = {}
    changed = 0
    for relation, member_id, rows in con.execute(counts).fetchall():
        if member_id is not None:  # null: a line of an order erased at load time
            touched.setdefault(member_id, []).append(relation)
        changed += rows
    if changed:
        con.execute(
            "update landing.quarantine set record = null, reason_detail = ? where record is not null and ("
            f"(file in {MEMBER_FILES} and json_extract_string(record, '$.member_id') in "
            f"(select member_id from {REQUESTS})) "
            "or (file = 'order_items' and json_extract_string(record, '$.order_id') in "
            "(select order_id from erased_orders)))",
            [DETAIL],
        )
        con.execute("delete from landing.order_items where order_id in (select order_id from erased_orders)")
        for file in MEMBER_FILES:
            con.execute(f"delete from landing.{file} where member_id in (select member_id from {REQUESTS})")
        con.execute(
            f"delete from {STORE_ALIAS}.main.members where member_id in (select member_id from {REQUESTS})"
        )
    con.execute("drop table erased_orders")
    new = con.execute(
        f"select r.member_id, r.requested_at from {REQUESTS} as r "
        f"where not exists (select 1 from {LOG} as l "
        "where l.member_id = r.member_id and l.requested_at = r.requested_at) order by 1"
    ).fetchall()
    for member_id, requested_at in new:
        relations = sorted(touched.get(member_id, []))
        if relations:
            relations.append("every model (full refresh)")
        con.execute(
            f"insert into {LOG} values (?, ?, ?, ?, false)",
            [member_id, requested_at, now, ", ".join(relations) or "nothing held"],
        )
    return changed + len(new)
