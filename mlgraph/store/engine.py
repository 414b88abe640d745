"""Engines for SQLite (the default) and PostgreSQL.

SQLite gets two engines on the same file: writes go through one connection that opens
its transactions with BEGIN IMMEDIATE (so writers queue instead of failing with
"database is locked" half-way), reads use a pool of ordinary WAL readers.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mlgraph.config import SQLITE_MMAP_FROM_MIB
from mlgraph.store.checkpoint import Checkpointer
from mlgraph.store.dialect import begin_write, prepare_postgres_connection

# A background thread checkpoints once the WAL passes this size (store/checkpoint.py);
# the writer checkpoints itself only if the WAL grows to four times that (the thread
# fell behind), in pages of 4 KiB. SQLite's default: the writer, at 1,000 pages.
CHECKPOINT_WAL_BYTES = 40 << 20
WAL_AUTOCHECKPOINT_PAGES = 4 * CHECKPOINT_WAL_BYTES // 4096
MMAP_BYTES = 4 << 30  # address space, not memory (SQLite caps it at its build's maximum)
MMAP_FROM_BYTES = SQLITE_MMAP_FROM_MIB << 20  # the default size from which readers map the file
# Page cache per connection, in KiB. The one writer gets more: a batch inserts into a
# dozen indexes at random places, and with 8 MiB a 100,000-entity catalog kept evicting
# index pages it was about to change (ingest: SQLite's own CPU per aspect -12 %).
READ_CACHE_KIB = 8 << 10
WRITE_CACHE_KIB = 64 << 10


@dataclass
class Engines:
    read: Engine
    write: Engine
    is_sqlite: bool
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    checkpointer: Checkpointer | None = None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        lock = self.write_lock if self.is_sqlite else nullcontext()
        with lock, self.write.begin() as conn:
            begin_write(conn)
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.read.connect() as conn:
            yield conn

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


def _sqlite_engine(
    url: str, *, immediate: bool, pool_size: int, mmap_from: int | None, cache_kib: int
) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=4 if not immediate else 0)
    path = make_url(url).database
    file = Path(path) if path and path != ":memory:" else None

    def mmap_wanted() -> int:
        if mmap_from is None or file is None:
            return 0
        try:
            size = file.stat().st_size
        except OSError:
            size = 0
        return MMAP_BYTES if size >= mmap_from else 0

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA cache_size=-{cache_kib}")
        # Checkpoints every ~40 MB of WAL, not SQLite's ~4 MB (a page rewritten by many
        # batches is copied back once), and off the writer's path (see Checkpointer).
        # A WAL started over is cut back, so its file's size is what is left to copy.
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cur.execute("PRAGMA journal_size_limit=0")
        cur.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # A large file is mapped: pooled connections then share the operating system's
        # page cache instead of copying pages into private caches (8 MiB is enough).
        # A small one is not: every mapped page a reader touched counts in the
        # server's resident memory, while read() serves it from the same OS cache.
        # Checked at every checkout (one stat), so a file that grows gets mapped.
        wanted = mmap_wanted()
        if record.info.get("mmap_size") != wanted:
            dbapi_conn.execute(f"PRAGMA mmap_size={wanted}")
            record.info["mmap_size"] = wanted

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: through `exec_driver_sql` this one statement cost
        # about a third of a short read (SQLAlchemy's execution context and events).
        try:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
        except sqlite3.Error as exc:  # raised as SQLAlchemy's, as exec_driver_sql would
            raise DBAPIError.instance(begin, (), exc, sqlite3.Error) from exc

    return engine


def build_engines(
    database_url: str,
    *,
    connect_args: dict[str, Any] | None = None,
    sqlite_mmap_from: int | None = MMAP_FROM_BYTES,
) -> Engines:
    """Engines for `database_url`. SQLite connections map the database file once it
    is at least `sqlite_mmap_from` bytes (0: always; None: never)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        file = Path(url.database) if url.database and url.database != ":memory:" else None
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        write = _sqlite_engine(
            database_url,
            immediate=True,
            pool_size=1,
            mmap_from=sqlite_mmap_from,
            cache_kib=WRITE_CACHE_KIB,
        )
        read = _sqlite_engine(
            database_url,
            immediate=False,
            pool_size=8,
            mmap_from=sqlite_mmap_from,
            cache_kib=READ_CACHE_KIB,
        )
        checkpointer = None
        if file is not None:  # an in-memory database has no WAL
            checkpointer = Checkpointer(file, wal_bytes=CHECKPOINT_WAL_BYTES).start()
        return Engines(read=read, write=write, is_sqlite=True, checkpointer=checkpointer)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_size=10, pool_pre_ping=True, connect_args=connect_args or {})
    event.listen(
        engine, "connect", lambda dbapi_conn, _record: prepare_postgres_connection(dbapi_conn)
    )
    # PostgreSQL's row locks and the store's compare-and-set updates keep concurrent
    # writers honest, so writes there take no process-wide lock.
    return Engines(read=engine, write=engine, is_sqlite=False)
