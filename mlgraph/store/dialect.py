"""The few statements whose spelling differs between SQLite and PostgreSQL, and a
bulk insert that skips SQLAlchemy's per-row parameter processing on the ingest path."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect


def insert_ignore(dialect_name: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT that skips rows whose primary key already exists."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))


@cache
def _compiled(dialect: Dialect, table: Table, ignore: tuple[str, ...]) -> str:
    """The INSERT's SQL with named parameters, so the driver binds row dicts itself."""
    stmt = insert_ignore(dialect.name, table, ignore) if ignore else insert(table)
    named = sqlite.dialect(paramstyle="named") if dialect.name == "sqlite" else dialect
    return str(stmt.compile(dialect=named, column_keys=[c.name for c in table.columns]))


def bulk_insert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], *, ignore: tuple[str, ...] = ()
) -> None:
    """executemany of plain rows (every column given), compiled once per dialect.
    With `ignore`, rows whose key already exists are skipped."""
    if rows:
        conn.exec_driver_sql(_compiled(conn.dialect, table, ignore), rows)
