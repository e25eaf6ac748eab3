"""The plain-SQL reference of `make bench` (radar/reference_sql.py) equals the
four core marts, every row and column (issue 15 item 2).

On the warehouses the session already builds with the real pipeline: the
hand-written landing folder (time zone edges, a late refund, a re-homed
member) and the generated tiny data with every kind of bad row (quarantine
effects). Both the fast paths (fixed UTC offset, disjoint rosters) and the
general ones are checked, and the check itself is shown to catch a change of
any one cell of any column.
"""

from __future__ import annotations

import duckdb
import pytest

from radar import reference_sql


def reference(db, **options) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(db), read_only=True)
    reference_sql.compute(con, **options)
    return con


@pytest.mark.parametrize("shortcuts", [True, False], ids=["fast-paths", "general-paths"])
@pytest.mark.parametrize("warehouse", ["handwritten_db", "tiny_db"])
def test_reference_equals_the_marts(warehouse, shortcuts, request):
    con = reference(request.getfixturevalue(warehouse), shortcuts=shortcuts)
    try:
        for mart, table in reference_sql.REFERENCE_TABLES.items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, mart
        assert reference_sql.compare(con) == []
    finally:
        con.close()


def changed(value_sql: str, sql_type: str) -> str:
    """SQL of a value that differs from ``value_sql`` (null included)."""
    if sql_type == "BOOLEAN":
        return f"coalesce(not {value_sql}, true)"
    if sql_type == "DATE":
        return f"coalesce({value_sql} + 1, date '2000-01-01')"
    if sql_type == "VARCHAR":
        return f"coalesce({value_sql} || 'x', 'x')"
    if sql_type == "DOUBLE":  # beyond the 1e-9 relative tolerance
        return f"coalesce({value_sql} * (1 + 1e-7) + 1e-7, 1)"
    return f"coalesce({value_sql} + 1, 1)"


def test_compare_catches_any_changed_cell(tiny_db):
    """A change of one cell in any column of any mart is reported, under that
    column's name; so is a missing row."""
    con = reference(tiny_db)
    try:
        for mart, table in reference_sql.REFERENCE_TABLES.items():
            keys = reference_sql.MARTS[mart]
            for column, sql_type, *_ in con.execute(f"describe {table}").fetchall():
                if column in keys:
                    continue
                con.execute(f"create or replace temp table changed as select * from {table}")
                quoted = f'"{column}"'
                con.execute(f"update changed set {quoted} = {changed(quoted, sql_type)} "
                            "where rowid = (select min(rowid) from changed)")
                problems = reference_sql.compare(con, {mart: "changed"}, marts=(mart,))
                assert [p for p in problems if p.startswith(f"{mart}.{column}: 1 rows differ")], (column, problems)
            con.execute(f"create or replace temp table changed as select * from {table}")
            con.execute("delete from changed where rowid = (select max(rowid) from changed)")
            problems = reference_sql.compare(con, {mart: "changed"}, marts=(mart,))
            assert any("1 keys on one side only" in p and "only in the mart" in p for p in problems), problems
    finally:
        con.close()
