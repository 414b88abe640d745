"""WAL checkpoints off the write path, for SQLite.

In WAL mode a commit appends pages to the `-wal` file; a checkpoint copies them back
into the database file and syncs it. By default the committing connection does that
itself whenever the WAL has grown past a threshold, so every so often one write pays
for copying tens of megabytes. Here a thread with a connection of its own checkpoints
instead, once the WAL file passes `wal_bytes`: the writer goes on appending meanwhile
(a PASSIVE checkpoint takes no lock a reader or a writer waits on), and the copy runs
on another core, with the GIL released inside SQLite.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

POLL_SECONDS = 0.1


class Checkpointer:
    def __init__(self, database: Path, *, wal_bytes: int) -> None:
        self.database = database
        self.wal = database.with_name(database.name + "-wal")
        self.wal_bytes = wal_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _wal_size(self) -> int:
        try:
            return self.wal.stat().st_size
        except OSError:  # no WAL yet, or between a truncation and the next write
            return 0

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(POLL_SECONDS):
                if self._wal_size() < self.wal_bytes:
                    continue
                if conn is None:
                    conn = sqlite3.connect(self.database, isolation_level=None)
                    conn.execute("PRAGMA synchronous=NORMAL")
                    # Once every page is copied back, the next write starts the WAL
                    # over and cuts the file back, so its size measures what is left.
                    conn.execute("PRAGMA journal_size_limit=0")
                # On an error the writer's own checkpoint is the fallback; next poll
                # tries again.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            if conn is not None:
                conn.close()
