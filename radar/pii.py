"""Keyed pseudonymisation of PII and the separate PII store (SPEC §1).

The loader replaces every PII column of the contract (``members.phone``,
``members.nickname``) by ``<column>_hash`` = HMAC-SHA256(key, value) as hex,
plus ``pii_key_id``, a short fingerprint of the key. The hash is computed here,
in Python, so the key never appears in SQL text, views, dbt artefacts, logs or
the warehouse. The raw values go to the **PII store**, a DuckDB file of its
own beside the warehouse (``radar.duckdb`` → ``radar.pii.duckdb``), table
``members`` (member_id, phone, nickname, pii_key_id, _batch, _loaded_at). The
warehouse, the file BI tools open, never holds a raw value.

The key comes from the environment at run time: ``RADAR_PII_KEY`` (the key
text) or ``RADAR_PII_KEY_FILE`` (a file holding it). :data:`DEMO_KEY` is the
documented key for demo data: it is used when no key is set and the landing
folder is the generator's (its ``manifest.json`` names ``radar.generate``). On
any other landing folder, a missing key or the demo key stops the run, unless
the operator says ``--allow-demo-key`` (or ``RADAR_ALLOW_DEMO_KEY=1``).

Key rotation: set the new key and rerun with ``--reload``; every batch is
hashed again under the new key and ``pii_key_id`` changes. A run without
``--reload`` whose key differs from the one the warehouse was built with stops
with a clear message (hashes of two keys never mix).

The store is written like the warehouse: the run works on a copy
(``<store>.building``) attached to the loader's connection, and the copy is
moved over the store only after the whole run succeeded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from radar.contract import FileSpec

#: The documented key of the demo data. Never use it for real members.
DEMO_KEY = "radar-demo-key-only-for-generated-data"
KEY_ENV = "RADAR_PII_KEY"
KEY_FILE_ENV = "RADAR_PII_KEY_FILE"
ALLOW_DEMO_ENV = "RADAR_ALLOW_DEMO_KEY"
KEY_ID_COLUMN = "pii_key_id"
HASH_SUFFIX = "_hash"
STORE_ALIAS = "pii_store"
STORE_STAGE = f"{STORE_ALIAS}.main._stage"
DEMO_GENERATOR = "radar.generate"


class PiiKeyError(Exception):
    """The PII key is missing, unreadable, or the demo key on real data."""


@dataclass(frozen=True)
class PiiKey:
    secret: bytes = field(repr=False)
    key_id: str
    demo: bool

    def digest(self, value: str | None) -> str | None:
        """HMAC-SHA256 of ``value`` (UTF-8) as 64 hex digits; None stays None."""
        return None if value is None else self.digester()(value)

    def digester(self):
        """:meth:`digest` for many values: the HMAC is keyed once and copied per value."""
        keyed = hmac.new(self.secret, digestmod=hashlib.sha256)

        def digest(value: str) -> str:
            mac = keyed.copy()
            mac.update(value.encode("utf-8"))
            return mac.hexdigest()

        return digest


def make_key(text: str) -> PiiKey:
    secret = text.encode("utf-8")
    key_id = hmac.new(secret, b"radar-key-id", hashlib.sha256).hexdigest()[:8]
    return PiiKey(secret, key_id, text == DEMO_KEY)


def is_demo_landing(landing: Path) -> bool:
    """True when ``landing`` was written by the demo-data generator."""
    try:
        manifest = json.loads((landing / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and (manifest.get("generator") or {}).get("name") == DEMO_GENERATOR


def resolve_key(landing: Path, allow_demo_key: bool = False, env: dict | None = None) -> PiiKey:
    """The key of this run, or :class:`PiiKeyError` with a one-line reason."""
    env = os.environ if env is None else env
    allow = allow_demo_key or env.get(ALLOW_DEMO_ENV, "") not in ("", "0")
    text, key_file = env.get(KEY_ENV), env.get(KEY_FILE_ENV)
    if text and key_file:
        raise PiiKeyError(f"both {KEY_ENV} and {KEY_FILE_ENV} are set; set one of them")
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PiiKeyError(f"cannot read the PII key file named by {KEY_FILE_ENV} ({exc.strerror})") from exc
        if not text:
            raise PiiKeyError(f"the PII key file named by {KEY_FILE_ENV} is empty")
    if not text:
        if not (allow or is_demo_landing(landing)):
            raise PiiKeyError(
                f"no PII key: set {KEY_ENV} (or {KEY_FILE_ENV}) to a secret of your own; "
                "the demo key is only for the generated demo data (--allow-demo-key overrides)"
            )
        text = DEMO_KEY
    key = make_key(text)
    if key.demo and not (allow or is_demo_landing(landing)):
        raise PiiKeyError(
            f"{KEY_ENV} is the documented demo key, and {landing} is not the generated demo data; "
            "set a secret key of your own (--allow-demo-key overrides)"
        )
    return key


def store_path(db_path: Path) -> Path:
    """The PII store beside the warehouse: ``radar.duckdb`` → ``radar.pii.duckdb``."""
    return db_path.with_name(db_path.stem + ".pii" + (db_path.suffix or ".duckdb"))


def stored_columns(spec: FileSpec) -> list[tuple[str, str | None]]:
    """(landing column, contract kind or None for text) of ``spec`` in the warehouse."""
    columns = [(c.name, c.kind) for c in spec.columns if not c.pii]
    pii = [c.name for c in spec.columns if c.pii]
    columns += [(name + HASH_SUFFIX, None) for name in pii]
    if pii:
        columns.append((KEY_ID_COLUMN, None))
    return columns


def pii_columns(spec: FileSpec) -> list[str]:
    return [c.name for c in spec.columns if c.pii]


def rewrite(path: Path) -> None:
    """Copy the DuckDB file into a fresh one and swap it in: no free page keeps deleted rows."""
    fresh = path.with_name(path.name + ".rewrite")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute("attach ? as src (read_only)", [str(path)])
        con.execute("attach ? as dst", [str(fresh)])
        con.execute("copy from database src to dst")
        con.execute("detach dst")
        con.execute("detach src")
    os.replace(fresh, path)


class PiiStore:
    """The run's copy of the PII store, attached to the loader's connection."""

    def __init__(self, db_path: Path, key: PiiKey):
        self.path = store_path(db_path)
        self.work = self.path.with_name(self.path.name + ".building")
        self.key = key

    # ------------------------------------------------------- copy and swap

    def prepare(self, reload: bool) -> None:
        """Start the work copy: the current store, or an empty one on --reload."""
        self.discard()
        if self.path.exists() and not reload:
            shutil.copyfile(self.path, self.work)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"attach ? as {STORE_ALIAS}", [str(self.work)])
        con.execute(
            f"create table if not exists {STORE_ALIAS}.main.members (member_id varchar primary key, "
            f"phone varchar, nickname varchar, {KEY_ID_COLUMN} varchar, _batch varchar, _loaded_at timestamp)"
        )

    def detach(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"drop table if exists {STORE_STAGE}")
        con.execute(f"detach {STORE_ALIAS}")

    def compact(self) -> None:
        rewrite(self.work)

    def commit(self) -> None:
        os.replace(self.work, self.path)

    def discard(self) -> None:
        for leftover in (self.work, self.work.with_name(self.work.name + ".wal")):
            leftover.unlink(missing_ok=True)

    # ------------------------------------------------------- loader hooks

    def start_file(self, con: duckdb.DuckDBPyConnection, spec: FileSpec) -> None:
        if pii_columns(spec):
            typed = ", ".join(f"{name} varchar" for name in pii_columns(spec))
            con.execute(f"create or replace table {STORE_STAGE} (_row_number bigint, member_id varchar, {typed})")

    def pseudonymise(self, con: duckdb.DuckDBPyConnection, spec: FileSpec, good: pa.Table,
                     row_numbers: pa.Array, erased: set[str]) -> dict[str, pa.Array]:
        """The hash and key id columns of the rows ``good`` (numbered ``row_numbers``); the raw
        values go to the store's stage.

        Rows of erased members keep no PII at all (they are quarantined as
        ``erased`` right after): not even their hashes.
        """
        names = pii_columns(spec)
        if not names:
            return {}
        digest = self.key.digester()
        keep = pc.invert(pc.is_in(good.column("member_id"), value_set=pa.array(sorted(erased), pa.string()))) \
            if erased else pa.array([True] * good.num_rows)
        raw = {"_row_number": row_numbers, "member_id": good.column("member_id")}
        hashed = {}
        for name in names:
            values = pc.if_else(keep, good.column(name), pa.scalar(None, pa.string()))
            distinct = pc.unique(values).drop_null()  # each distinct value is hashed once
            digests = pa.array([digest(v) for v in distinct.to_pylist()], pa.string())
            hashed[name + HASH_SUFFIX] = digests.take(pc.index_in(values, value_set=distinct))
            raw[name] = values
        hashed[KEY_ID_COLUMN] = pa.array([self.key.key_id] * good.num_rows, pa.string())
        raw = pa.table(raw).filter(keep)
        if raw.num_rows:
            con.register("chunk_pii", raw)
            con.execute(f"insert into {STORE_STAGE} select * from chunk_pii")
            con.unregister("chunk_pii")
        return hashed

    def upsert(self, con: duckdb.DuckDBPyConnection, spec: FileSpec, cand: str, batch: str, now) -> None:
        """Move the staged raw values of the rows that were loaded into the store."""
        names = pii_columns(spec)
        if not names:
            return
        con.execute(
            f"delete from {STORE_ALIAS}.main.members where member_id in (select member_id from {cand})"
        )
        con.execute(
            f"insert into {STORE_ALIAS}.main.members select s.member_id, {', '.join('s.' + n for n in names)}, "
            f"?, ?, ? from {STORE_STAGE} as s where s._row_number in (select _row_number from {cand})",
            [self.key.key_id, batch, now],
        )
        con.execute(f"drop table {STORE_STAGE}")


def check_key_matches(con: duckdb.DuckDBPyConnection, key: PiiKey) -> None:
    """Refuse to mix hashes of two keys in one warehouse (rotate with --reload)."""
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'landing' and table_name = 'members'").fetchall()}
    if not columns:
        return
    if KEY_ID_COLUMN not in columns:
        raise PiiKeyError(
            "the warehouse was built by an earlier version that kept raw phone numbers and "
            "nicknames in it; rerun with --reload to rebuild it pseudonymised into a fresh file"
        )
    ids = [r[0] for r in con.execute(
        f"select distinct {KEY_ID_COLUMN} from landing.members where {KEY_ID_COLUMN} is not null").fetchall()]
    other = [i for i in ids if i != key.key_id]
    if other:
        raise PiiKeyError(
            f"the PII key changed (this key's id is {key.key_id}, the warehouse was hashed with "
            f"{', '.join(sorted(other))}); to rotate the key rerun with --reload"
        )
