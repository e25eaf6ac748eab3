"""One run at a time per warehouse, and no swap over another process's writes.

* :class:`RunLock` holds an OS lock (``flock``) on ``<db>.lock`` for the whole
  run. The kernel releases it when the process ends, however it ends, so a
  killed run never blocks the next one. A second run on the same warehouse
  waits up to ``wait_seconds`` for it, then refuses (:class:`WarehouseBusy`).
* Each run builds in its own work file ``<db>.building-<pid>``; under the lock
  no other run is building, so any work file (or the folder its dbt ran in,
  ``<work file>.dbt``) left beside the warehouse belongs to a dead run and is removed.
* DuckDB holds a POSIX write lock on a database file it has open for writing.
  :func:`writer_guard` takes a shared lock on the warehouse file: it fails while
  another process has the warehouse open for writing, and while it is held no
  process can open it for writing, so the swap cannot lose anybody's writes.
* A ``<db>.wal`` left by a writer that was killed holds committed writes that
  are not in the file yet. :func:`recover_wal` replays it into the warehouse
  (nothing is lost) before the run copies it; a WAL that cannot be replayed is
  moved aside (kept, never deleted) so the warehouse opens again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

POLL_SECONDS = 0.2


class WarehouseBusy(Exception):
    """Another run holds the warehouse, or another process has it open for writing."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def work_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.building-{os.getpid()}")


def work_files(db_path: Path) -> list[Path]:
    """What runs on ``db_path`` build in, beside it: work files ``<db>.building-<pid>``
    and the folders their dbt ran in (``<work file>.dbt``). Present while a run builds;
    left over only by a run that died (removed by the next run, under the lock)."""
    return sorted(db_path.parent.glob(db_path.name + ".building*"))


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class RunLock:
    """``with RunLock(db, wait_seconds):`` — the run's exclusive hold on ``db``."""

    def __init__(self, db_path: Path, wait_seconds: float = 0.0):
        self.db_path, self.wait_seconds = db_path, wait_seconds
        self.fd: int | None = None

    def __enter__(self) -> RunLock:
        path = lock_path(self.db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(self.wait_seconds, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                    os.close(fd)
                    waited = f" after waiting {self.wait_seconds:g} s" if self.wait_seconds > 0 else ""
                    raise WarehouseBusy(
                        f"another run (pid {holder}) is working on {self.db_path}{waited}; "
                        "wait for it to finish or pass --wait SECONDS"
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self.fd = fd
        self._remove_dead_work_files()
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)  # releases the flock
            self.fd = None

    def _remove_dead_work_files(self) -> None:
        # Only a run holding the lock builds; we hold it, so these are leftovers.
        for leftover in work_files(self.db_path):
            if leftover.is_dir():  # a dead dbt's folder (radar.pipeline._stable_duckdb_path)
                shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.is_file():
                leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def writer_guard(db_path: Path):
    """Hold a shared lock on the warehouse file; refuse if a writer has it open."""
    if not db_path.exists():
        yield
        return
    fd = os.open(db_path, os.O_RDONLY)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            raise WarehouseBusy(
                f"another process has {db_path} open for writing; close it (a DuckDB session, "
                "a notebook) and rerun, its writes would otherwise be lost"
            ) from None
        yield
    finally:
        os.close(fd)  # also drops the POSIX lock


def recover_wal(db_path: Path, log) -> None:
    """Replay a WAL left by a killed writer into ``db_path``, or move it aside."""
    import duckdb

    wal = wal_path(db_path)
    if not wal.exists():
        return
    if not db_path.exists():
        aside = wal.with_name(f"{wal.name}.orphan-{int(time.time())}")
        os.replace(wal, aside)
        log(f"  warning: {wal.name} had no warehouse beside it; moved to {aside.name}")
        return
    with writer_guard(db_path):
        pass  # a live writer owns the WAL: refuse rather than touch it
    try:
        with duckdb.connect(str(db_path)) as con:
            con.execute("checkpoint")
        log(f"  recovered {wal.name}: the writes of a process that ended without closing "
            "the warehouse are now in it")
    except duckdb.Error as exc:
        aside = wal.with_name(f"{wal.name}.unreplayable-{int(time.time())}")
        os.replace(wal, aside)
        log(f"  warning: {wal.name} could not be replayed ({str(exc).splitlines()[0]}); "
            f"moved to {aside.name}, the warehouse opens without it")
