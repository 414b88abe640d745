"""SQLite's WAL is copied back into the database file by a thread of its own once it
passes a size, not by the writer; the writer's next commit starts the WAL over, cut
back to nothing."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from mlgraph.config import Settings
from mlgraph.runtime import build_services
from mlgraph.store.checkpoint import Checkpointer


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _insert(conn: sqlite3.Connection, blobs: list[bytes]) -> None:
    """One transaction (a page is written to the WAL once per transaction)."""
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t VALUES (?)", [(b,) for b in blobs])
    conn.execute("COMMIT")


def test_a_wal_past_its_size_is_checkpointed_by_the_thread(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    wal = tmp_path / "t.db-wal"
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # the writer never checkpoints
    writer.execute("PRAGMA journal_size_limit=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    checkpointer = Checkpointer(db, wal_bytes=64 << 10).start()
    try:
        # Below the size: nothing is copied back, the new pages live in the WAL only.
        _insert(writer, [os.urandom(500) for _ in range(20)])
        time.sleep(0.5)
        small = db.stat().st_size
        assert wal.stat().st_size < 64 << 10
        _insert(writer, [os.urandom(1000) for _ in range(300)])
        assert _wait_for(lambda: db.stat().st_size > small + (250 << 10))
        # Once the copy is complete, the next write starts the WAL over, cut back.
        tiny = 0

        def restarted() -> bool:
            nonlocal tiny
            writer.execute("INSERT INTO t VALUES (x'00')")
            tiny += 1
            return wal.stat().st_size < 16 << 10

        assert _wait_for(restarted)
        count = sqlite3.connect(db).execute("SELECT count(*) FROM t").fetchone()[0]
        assert count == 320 + tiny
    finally:
        checkpointer.stop()
        writer.close()


def test_a_file_database_gets_a_checkpointer_that_stops_with_the_services(
    tmp_path: Path,
) -> None:
    services = build_services(Settings(environment="test", data_dir=tmp_path))
    checkpointer = services.engines.checkpointer
    assert checkpointer is not None and checkpointer.running
    services.close()
    assert not checkpointer.running
