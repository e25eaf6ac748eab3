"""Personal data (SPEC §1): keyed pseudonymisation, no raw PII in the warehouse, erasure.

One story on the hand-written landing folder plus a planted member U77 with a
distinctive phone and nickname, orders, an order line and two quarantined rows:

1. run with key K1 (batches 001, 002): U77 is everywhere (positive controls);
2. batch 003 erases U77 and re-sends U77's member row and a new order: after
   the run U77's phone and nickname are in no relation, no file byte, no
   artefact; an audit row records the erasure;
3. the same data under key K2 without --reload is refused; with --reload (key
   from a file) every hash is re-made under K2, and U77 stays erased although
   batch 001 still holds them.

Every artefact is scanned for the keys and for the old demo salt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import DBT_LOG, DBT_TARGET, FIXTURES, ROOT, SCENARIO_FLAGS, copy_landing, query, radar_run

K1 = "k1-pii-key-for-test-7d2a90"
K2 = "k2-pii-key-for-test-51be3c"
OLD_SALT = "radar-demo-salt-change-me"
PHONE, NICKNAME = "13811112222", "隐私测试员阿泽"
#: every raw PII value of the landing folder (hand-written fixtures + plants)
ALL_PII = ["13900000001", "13900000002", "13900000004", "13900000005", "小明同学", 'Zhang, "Z"',
           PHONE, NICKNAME, "13800009999", "新会员甲"]
#: relations that may name an erased member's id: the request, its audit row,
#: and the quarantine stubs (record_key only, values null) with their staging view
ID_ALLOWED = {"landing.erasure_requests", "landing.erasure_log", "landing.quarantine",
              "staging.stg_landing__quarantine"}

PLANTS = {  # batch_001 additions: U77's rows, one order and one line quarantined
    "members.csv": f"U77,399,2024-01-05T10:00:00+08:00,,北京,{PHONE},{NICKNAME}\n",
    "group_memberships.csv": "U77,G1,2024-01-05T10:05:00+08:00,\n",
    "orders.csv": "O77,U77,2024-02-05T10:00:00+08:00,paid\nO78,U77,2024-02-06T10:00:00+08:00,refunded\n",
    "order_items.csv": "O77,1,SKU-77,home,2,88,0\nO77,2,SKU-78,home,0,10,0\n",
}
BATCH_003 = {
    "erasure_requests.csv": "member_id,requested_at\nU77,2024-03-02T10:00:00+08:00\n",
    "members.csv": ("member_id,tier,joined_at,phone,nickname\n"
                    f"U77,399,2024-01-05T10:00:00+08:00,{PHONE},{NICKNAME}\n"
                    "U78,199,2024-03-02T09:00:00+08:00,13800009999,新会员甲\n"),
    "orders.csv": "order_id,member_id,ordered_at,status\nO79,U77,2024-03-02T11:00:00+08:00,paid\n",
    "order_items.csv": ("order_id,line_no,sku,category_code,quantity,line_amount,refunded_amount\n"
                        "O79,1,SKU-79,home,1,5,0\n"),
}


def hmac_hex(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def env_with(key: str | None = None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RADAR_PII_KEY", "RADAR_PII_KEY_FILE", "RADAR_ALLOW_DEMO_KEY")}
    if key is not None:
        env["RADAR_PII_KEY"] = key
    env.update(extra)
    return env


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def relations(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table and view of the warehouse, by schema.name."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute("select table_schema, table_name from information_schema.tables "
                            "order by 1, 2").fetchall()
        for schema, name in names:
            out[f"{schema}.{name}"] = con.execute(f'select * from "{schema}"."{name}"').fetchall()
    return out


def relation_text(db: Path) -> str:
    """Every SQL text the warehouse holds: view definitions, macros, table DDL."""
    with duckdb.connect(str(db), read_only=True) as con:
        parts = [r[0] or "" for r in con.execute("select sql from duckdb_views()").fetchall()]
        parts += [r[0] or "" for r in con.execute("select sql from duckdb_tables()").fetchall()]
        parts += [str(r) for r in con.execute("select * from duckdb_functions() where not internal").fetchall()]
    return "\n".join(parts)


def cells_with(rels: dict[str, list[tuple]], needles: list[str], exact: bool = False) -> set[str]:
    found = set()
    for name, rows in rels.items():
        for row in rows:
            for value in row:
                text = str(value)
                if any((text == n) if exact else (n in text) for n in needles):
                    found.add(name)
    return found


def bytes_with(files: dict[str, bytes], needles: list[str]) -> set[tuple[str, str]]:
    return {(path, n) for path, data in files.items() for n in needles if n.encode("utf-8") in data}


def read_all(paths: list[Path]) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in paths}


class Story:
    """The three runs, the artefacts they wrote, and what was scanned after each."""

    def __init__(self, tmp: Path):
        self.started = time.time()
        self.dbt_log = DBT_LOG
        self.log_offset = self.dbt_log.stat().st_size if self.dbt_log.exists() else 0
        self.tmp = tmp
        self.landing = copy_landing(FIXTURES / "handwritten", tmp / "landing")
        for name, rows in PLANTS.items():
            with (self.landing / "batch_001" / name).open("a", encoding="utf-8") as handle:
                handle.write(rows)
        self.db = tmp / "wh" / "radar.duckdb"
        self.store = tmp / "wh" / "radar.pii.duckdb"
        self.outputs: list[str] = []

    def run(self, env: dict, *flags: str) -> subprocess.CompletedProcess:
        done = radar_run(self.landing, self.db, env, *flags, *SCENARIO_FLAGS)
        self.outputs += [done.stdout, done.stderr]
        return done

    def export(self, name: str) -> Path:
        out = self.tmp / "exports" / name
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_alerts.py"), "--db", str(self.db),
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode == 0, done.stderr[-3000:]
        return out

    def artefacts(self) -> dict[str, bytes]:
        """Files this story wrote, read now: both DuckDB files, GX docs, exports, target/
        (manifest, compiled, run, …), the part of logs/dbt.log written since it began,
        and the runs' console output."""
        files = [p for p in (self.tmp / "wh").rglob("*") if p.is_file()]
        files += [p for p in (self.tmp / "exports").rglob("*") if p.is_file()]
        files += [p for p in DBT_TARGET.rglob("*")
                  if p.is_file() and p.stat().st_mtime >= self.started]
        log_part = self.tmp / "dbt.log.part"
        with self.dbt_log.open("rb") as handle:
            handle.seek(self.log_offset)
            log_part.write_bytes(handle.read())
        console = self.tmp / "console.txt"
        console.write_text("\n".join(self.outputs), encoding="utf-8")
        return read_all([*files, log_part, console])


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict:
    s = Story(tmp_path_factory.mktemp("pii"))
    seen: dict = {"story": s}

    # 1. before the erasure: U77 is loaded, in the PII store and in the marts
    ok(s.run(env_with(K1)))
    s.export("before")
    seen["before_rels"] = relations(s.db)
    seen["before_store"] = s.store.read_bytes()
    seen["before_wh"] = s.db.read_bytes()
    seen["before_hash"] = query(s.db, "select phone_hash, nickname_hash, pii_key_id from landing.members "
                                      "where member_id = 'U1'")[0]

    # 2. batch_003 erases U77 and re-sends their member row and an order
    batch = s.landing / "batch_003"
    batch.mkdir()
    for name, text in BATCH_003.items():
        (batch / name).write_text(text, encoding="utf-8")
    ok(s.run(env_with(K1), "--no-build"))  # erased from landing now, from the models by the next build
    seen["no_build_marts"] = cells_with(relations(s.db), ["U77"], exact=True)
    seen["no_build_log"] = query(s.db, "select member_id, models_rebuilt from landing.erasure_log")
    ok(s.run(env_with(K1)))
    s.export("after")
    seen["after_rels"] = relations(s.db)
    seen["after_text"] = relation_text(s.db)
    seen["after_artefacts"] = s.artefacts()
    seen["store_rows"] = query(s.store, "select member_id from members order by 1")

    # 3. key K2: refused without --reload; with --reload (key from a file) rehashed, U77 stays erased
    refused = s.run(env_with(K2))
    seen["refused"] = (refused.returncode, refused.stderr)
    key_file = s.tmp / "pii.key"
    key_file.write_text(K2 + "\n", encoding="utf-8")
    ok(s.run(env_with(None, RADAR_PII_KEY_FILE=str(key_file)), "--reload"))
    s.export("reload")
    seen["reload_rels"] = relations(s.db)
    seen["reload_text"] = relation_text(s.db)
    seen["reload_artefacts"] = s.artefacts()
    return seen


# ---------------------------------------------------------------- (b) keyed hashes


def test_hash_is_hmac_of_the_key_not_a_plain_digest():
    from radar.pii import make_key

    one, two = make_key(K1), make_key(K2)
    assert one.digest("13900000001") == hmac_hex(K1, "13900000001")
    assert one.digest("13900000001") != two.digest("13900000001")
    assert one.digest("13900000001") != hashlib.sha256(b"13900000001").hexdigest()
    assert one.digest(None) is None
    assert one.key_id == hmac_hex(K1, "radar-key-id")[:8] != two.key_id


def test_warehouse_hashes_are_keyed_and_rotate_with_reload(story):
    phone_hash, nickname_hash, key_id = story["before_hash"]
    assert phone_hash == hmac_hex(K1, "13900000001")
    assert nickname_hash == hmac_hex(K1, "小明同学")
    assert phone_hash != hashlib.sha256(b"13900000001").hexdigest()
    assert key_id == hmac_hex(K1, "radar-key-id")[:8]
    db = story["story"].db
    after = query(db, "select phone_hash, nickname_hash, pii_key_id from landing.members where member_id = 'U1'")
    assert after == [(hmac_hex(K2, "13900000001"), hmac_hex(K2, "小明同学"), hmac_hex(K2, "radar-key-id")[:8])]
    assert query(db, "select phone_hash, pii_key_id from staging.stg_landing__members where member_id = 'U1'") \
        == [(hmac_hex(K2, "13900000001"), hmac_hex(K2, "radar-key-id")[:8])]
    assert query(db, "select count(distinct pii_key_id) from landing.members") == [(1,)]


def test_changed_key_without_reload_is_refused(story):
    code, stderr = story["refused"]
    assert code == 4
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "the PII key changed" in lines[0] and "--reload" in lines[0]


# ---------------------------------------------------------------- (a) key and salt in no artefact


@pytest.mark.parametrize("phase", ["after", "reload"])
def test_key_and_old_salt_in_no_artefact(story, phase):
    needles = [K1, K2, OLD_SALT]
    assert bytes_with(story[f"{phase}_artefacts"], needles) == set()
    text = story[f"{phase}_text"]
    assert not [n for n in needles if n in text]
    assert cells_with(story[f"{phase}_rels"], needles) == set()
    # the scan reached dbt's artefacts and the GX docs
    names = {Path(p).name for p in story[f"{phase}_artefacts"]}
    assert {"manifest.json", "run_results.json", "index.html", "stg_landing__members.sql"} <= names


# ---------------------------------------------------------------- (c) no raw PII in the warehouse


def test_raw_pii_only_in_the_pii_store(story):
    # positive controls: the PII store holds the raw values, so a byte scan can see them
    assert PHONE.encode() in story["before_store"] and NICKNAME.encode() in story["before_store"]
    assert b"13900000001" in story["before_store"]
    for phase in ("before", "after", "reload"):
        rels = story[f"{phase}_rels"]
        assert cells_with(rels, ALL_PII) == set(), phase
    assert [n for n in ALL_PII if n.encode() in story["before_wh"]] == []
    s = story["story"]
    wh_files = [p for p in (s.tmp / "wh").iterdir() if p.name.startswith("radar.duckdb")]
    assert bytes_with(read_all(wh_files), ALL_PII) == set()
    columns = query(s.db, "select table_schema || '.' || table_name || '.' || column_name "
                          "from information_schema.columns where column_name in ('phone', 'nickname')")
    assert columns == []


def test_quarantined_member_row_is_redacted(story):
    rows = query(story["story"].db, "select record from landing.quarantine where file = 'members' "
                                    "and batch = 'batch_002'")
    assert len(rows) == 1 and "<redacted>" in rows[0][0] and "13900000005" not in rows[0][0]


# ---------------------------------------------------------------- (d) demo key only on demo data


@pytest.fixture(scope="module")
def small_landing(tmp_path_factory) -> Path:
    return copy_landing(FIXTURES / "handwritten", tmp_path_factory.mktemp("small") / "landing", ["batch_001"])


@pytest.mark.parametrize("env, needle", [
    (env_with(None), "no PII key"),
    (env_with("radar-demo-key-only-for-generated-data"), "is the documented demo key"),
    (env_with(K1, RADAR_PII_KEY_FILE="/nonexistent/pii.key"), "set one of them"),
    (env_with(None, RADAR_PII_KEY_FILE="/nonexistent/pii.key"), "cannot read the PII key file"),
])
def test_missing_or_demo_key_on_real_data_is_refused(small_landing, tmp_path, env, needle):
    db = tmp_path / "radar.duckdb"
    done = radar_run(small_landing, db, env, "--no-build")
    assert done.returncode == 4
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], done.stderr
    assert not db.exists() and not (tmp_path / "radar.pii.duckdb").exists()


def test_demo_key_on_demo_data_or_when_allowed(small_landing, tmp_path):
    from radar.pii import DEMO_KEY

    demo_id = hmac_hex(DEMO_KEY, "radar-key-id")[:8]
    allowed = tmp_path / "allowed" / "radar.duckdb"
    ok(radar_run(small_landing, allowed, env_with(None), "--no-build", "--allow-demo-key"))
    assert query(allowed, "select distinct pii_key_id from landing.members") == [(demo_id,)]
    demo = tmp_path / "demo"
    shutil.copytree(small_landing, demo)
    (demo / "manifest.json").write_text('{"generator": {"name": "radar.generate"}}', encoding="utf-8")
    db = tmp_path / "demo_db" / "radar.duckdb"
    ok(radar_run(demo, db, env_with(None), "--no-build"))
    assert query(db, "select phone_hash from landing.members where member_id = 'U1'") \
        == [(hmac_hex(DEMO_KEY, "13900000001"),)]
    # a manifest of something else is not the demo's
    (demo / "manifest.json").write_text('{"generator": {"name": "my-export"}}', encoding="utf-8")
    assert radar_run(demo, tmp_path / "other" / "radar.duckdb", env_with(None), "--no-build").returncode == 4


# ---------------------------------------------------------------- (e) erasure


def test_planted_member_was_everywhere_before_erasure(story):
    rels = story["before_rels"]
    where = cells_with(rels, ["U77"], exact=True)
    assert {"landing.members", "landing.orders", "landing.group_memberships", "marts.member_segments",
            "marts.member_segment_history"} <= where
    assert cells_with(rels, ["O77"], exact=True) >= {"landing.order_items", "landing.orders"}
    quarantined = rels["landing.quarantine"]
    assert any(r[6] and "O78" in r[6] for r in quarantined) and any(r[6] and '"O77"' in r[6] for r in quarantined)


@pytest.mark.parametrize("phase", ["after", "reload"])
def test_erased_member_is_nowhere(story, phase):
    rels = story[f"{phase}_rels"]
    # raw PII in no relation, no file byte, no artefact (warehouse, PII store, target/, logs, exports, GX docs)
    assert cells_with(rels, [PHONE, NICKNAME]) == set()
    assert bytes_with(story[f"{phase}_artefacts"], [PHONE, NICKNAME]) == set()
    # the member's id only in the request, its audit row and the quarantine stubs
    assert cells_with(rels, ["U77", "O77", "O78", "O79"]) <= ID_ALLOWED
    for row in rels["landing.quarantine"]:  # batch, file, row, reason, detail, key, record, at
        if row[6] is not None:
            assert not any(x in row[6] for x in ("U77", "O77", "O78", "O79")), row
    exports = [p for p in (story["story"].tmp / "exports" / phase).rglob("*") if p.is_file()]
    assert exports  # the export ran and wrote files
    assert bytes_with(read_all(exports), ["U77"]) == set()


def test_pii_store_lost_only_the_erased_member(story):
    assert story["store_rows"] == [("U1",), ("U2",), ("U3",), ("U4",), ("U78",)]


def test_erasure_audit_row(story):
    rows = query(story["story"].db, "select member_id, requested_at, applied_at is not null, relations_touched, "
                                    "models_rebuilt from landing.erasure_log")
    assert rows == [("U77", dt.datetime(2024, 3, 2, 2, 0), True,
                     "PII store, landing.group_memberships, landing.members, landing.order_items, "
                     "landing.orders, landing.quarantine, every model (full refresh)", True)]


def test_models_lose_the_member_at_the_build_after_a_no_build_erasure(story):
    assert story["no_build_log"] == [("U77", False)]
    # landing already without U77; the models (built before) still with them until the next build
    assert "landing.members" not in story["no_build_marts"]
    assert {"marts.member_segments", "marts.member_segment_history"} <= story["no_build_marts"]
    assert not any(name.startswith("marts.") for name in cells_with(story["after_rels"], ["U77"]))


def test_erasure_accounting(story):
    db = story["story"].db  # after --reload: every batch loaded again
    log = {(b, f): (r, lo, q) for b, f, r, lo, q in query(
        db, "select batch, file, rows_read, rows_loaded, rows_quarantined from landing.load_log")}
    assert all(r == lo + q for r, lo, q in log.values())
    # batch_001: U77's member row, membership, order O77 and line O77/1 are `erased`;
    # O78 (invalid status) and O77/2 (quantity 0) keep their own reason, values blanked
    assert log[("batch_001", "members")] == (4, 3, 1)
    assert log[("batch_003", "members")] == (2, 1, 1)
    assert log[("batch_003", "erasure_requests")] == (1, 1, 0)
    reasons = query(db, "select batch, file, reason_code, record_key, record is null from landing.quarantine "
                        "where reason_code = 'erased' or record is null order by 1, 2, 4")
    assert reasons == [
        ("batch_001", "group_memberships", "erased", "U77|G1|2024-01-05T02:05:00.000000Z", True),
        ("batch_001", "members", "erased", "U77", True),
        ("batch_001", "order_items", "erased", "O77|1", True),
        ("batch_001", "order_items", "out_of_range", "O77|2", True),
        ("batch_001", "orders", "erased", "O77", True),
        ("batch_001", "orders", "invalid_status", "O78", True),
        ("batch_003", "members", "erased", "U77", True),
        ("batch_003", "order_items", "erased", "O79|1", True),
        ("batch_003", "orders", "erased", "O79", True),
    ]
    # the other members of the erasing batch are loaded as usual
    assert query(db, "select member_id from landing.members where _batch = 'batch_003'") == [("U78",)]


def test_erasure_requests_are_validated_like_any_file(small_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    batch = landing / "batch_002"
    batch.mkdir()
    db = tmp_path / "wh" / "radar.duckdb"
    (batch / "erasure_requests.csv").write_text("member_id\nU1\n", encoding="utf-8")
    done = radar_run(landing, db, env_with(K1), "--no-build")
    assert done.returncode == 2 and "missing required column(s) requested_at" in done.stderr
    assert not db.exists()
    (batch / "erasure_requests.csv").write_text(
        "member_id,requested_at\n"
        "U1,2024-03-02T10:00:00+08:00\n"
        ",2024-03-02T10:00:00+08:00\n"
        "U2,2024-03-02T10:00:00\n", encoding="utf-8")
    ok(radar_run(landing, db, env_with(K1), "--no-build"))
    assert query(db, "select rows_read, rows_loaded, rows_quarantined from landing.load_log "
                     "where file = 'erasure_requests'") == [(3, 1, 2)]
    assert query(db, "select row_number, reason_code from landing.quarantine "
                     "where file = 'erasure_requests' order by 1") \
        == [(2, "missing_required"), (3, "timestamp_without_offset")]
    assert query(db, "select member_id from landing.members order by 1") == [("U2",), ("U3",)]
    assert query(db, "select count(*) from landing.orders where member_id = 'U1'") == [(0,)]
    assert query(db, "select member_id from landing.erasure_log") == [("U1",)]
    store = (tmp_path / "wh" / "radar.pii.duckdb").read_bytes()
    assert b"13900000002" in store  # U2 kept: the scan sees raw values in the store
    assert bytes_with({"store": store}, ["13900000001", "小明同学"]) == set()
