"""The few statements whose spelling differs between SQLite and PostgreSQL, and the
set-based writes of the ingest path.

Bulk writes take a whole batch of rows at once. On SQLite, an `executemany` of one
indexed statement per row is as fast as it gets (every statement runs in process). On
PostgreSQL each statement of an `executemany` still costs the server a bind, an execute
and an index probe of its own, so there a batch goes as one statement per table that
reads its rows from arrays: `INSERT ... SELECT FROM unnest(...)`, `UPDATE ... FROM
unnest(...)` and `DELETE ... USING unnest(...)`, one array parameter per column."""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import NullType


def insert_ignore(dialect_name: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT that skips rows whose primary key already exists."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def is_postgres(conn: Connection) -> bool:
    """Whether `conn` talks to PostgreSQL (otherwise SQLite)."""
    return conn.dialect.name == "postgresql"


class _BinaryArray(list[Any]):
    """A list psycopg sends as one binary array (see `prepare_postgres_connection`)."""


def prepare_postgres_connection(dbapi_conn: Any) -> None:
    """Teach a new psycopg connection to send `_BinaryArray`s in binary, and turn off
    PostgreSQL's JIT compilation for its session. mlgraph's statements are short index
    lookups, but at a million entities the planner's cost estimates for some (a filter
    over runs, a facet count) pass `jit_above_cost`, and compiling them took longer than
    running them: the runs filter at 1M had a p90 of 190 ms with JIT, 52 ms without."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_conn.adapters.register_dumper(_BinaryArray, ListBinaryDumper)
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True  # a session setting, outside any transaction
    dbapi_conn.execute("SET jit = off")
    dbapi_conn.autocommit = autocommit


def begin_write(conn: Connection) -> None:
    """Start of a write transaction. On PostgreSQL, plan its statements for the tables
    as they are now: psycopg prepares a statement after a few runs, PostgreSQL may
    then keep one generic plan for it, and a plan made while a table was nearly empty
    (a sequential scan) stayed in use as the table grew to millions of rows — loading
    a catalog into a fresh database slowed tenfold until something ran ANALYZE."""
    if is_postgres(conn):
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def key_table(*columns: Sequence[Any], names: Sequence[str]) -> TableValuedAlias:
    """PostgreSQL only: `unnest(...) AS v(names)`, a table of keys to join against,
    one binary array per column."""
    arrays = [bindparam(None, _BinaryArray(c), type_=NullType()) for c in columns]
    return func.unnest(*arrays).table_valued(*names).render_derived(name="v")


def in_values(conn: Connection, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)`. On PostgreSQL, `column = ANY(array)` instead: one binary
    parameter rather than one per value, so psycopg can prepare the statement once
    (it re-parses a long statement's text on every call)."""
    if is_postgres(conn):
        return column == any_(bindparam(None, _BinaryArray(values), type_=NullType()))
    return column.in_(values)


def select_in(
    conn: Connection,
    table: Table,
    key: str,
    values: Sequence[Any],
    *,
    also: tuple[str, Sequence[Any]] | None = None,
    columns: Sequence[str] | None = None,
) -> Iterable[Any]:
    """Rows of `table` (all columns, or `columns`) whose `key` is one of `values`, and
    with `also=(column, values)` whose `column` is one of those too. On SQLite the SQL
    text is made once per list length and run as it is: building the statement through
    SQLAlchemy's expression language on every call cost about five times the query."""
    names = tuple(columns) if columns else tuple(c.name for c in table.columns)
    if is_postgres(conn):
        # `= ANY(array)` only on a unique key: for part of a key PostgreSQL may
        # estimate it at most of the table (see AspectStore's per-urn probes).
        unique = [c.name for c in table.primary_key.columns] == [key]
        cond = in_values(conn, table.c[key], values) if unique else table.c[key].in_(values)
        stmt = select(*(table.c[n] for n in names)).where(cond)
        if also is not None:
            stmt = stmt.where(table.c[also[0]].in_(also[1]))
        return conn.execute(stmt)
    also_sql = (also[0], len(also[1])) if also is not None else None
    params = (*values, *also[1]) if also is not None else tuple(values)
    sql = _select_in_sql(table.name, names, key, len(values), also_sql)
    # Straight to the driver, on the connection (and so in the transaction) `conn`
    # holds: a result object costs more than reading the few rows it holds. Begin
    # first as SQLAlchemy's own execute would, so a caller's reads share one snapshot.
    if not conn.in_transaction():
        conn.begin()
    make = _row_type(names)._make
    driver: Any = conn.connection.driver_connection
    return [make(r) for r in driver.execute(sql, params)]


def _sqlite_many(conn: Connection, sql: str, rows: Sequence[dict[str, Any]]) -> int:
    """SQLite: one statement for many rows, straight to the driver (as `select_in`),
    with its errors raised as SQLAlchemy's (IntegrityError for a key clash). Returns
    the rows changed: sqlite3 sums them over an executemany."""
    if not conn.in_transaction():
        conn.begin()
    driver: Any = conn.connection.driver_connection
    try:
        return int(driver.executemany(sql, rows).rowcount)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, list(rows), exc, sqlite3.Error) from exc


@cache
def _row_type(names: tuple[str, ...]) -> Any:
    """Rows of `select_in` read like SQLAlchemy's: by column name."""
    return namedtuple("Row", names)


@lru_cache(maxsize=1024)
def _select_in_sql(
    table: str, names: tuple[str, ...], key: str, n: int, also: tuple[str, int] | None
) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    sql = f'SELECT {columns} FROM "{table}" WHERE "{key}" IN ({", ".join("?" * n)})'
    if also is not None:
        sql += f' AND "{also[0]}" IN ({", ".join("?" * also[1])})'
    return sql


# -- PostgreSQL: rows as column arrays ------------------------------------------------


def _array_type(column: Column[Any]) -> tuple[str, Callable[[Any], Any] | None]:
    """The PostgreSQL array type a column's values travel in, and the conversion its
    values need (psycopg refuses a list mixing ints and floats). Strings go as text[]
    so that an over-long value fails the column's own length check instead of being
    cut by an explicit cast to varchar(n)."""
    kind = column.type
    if isinstance(kind, BigInteger):
        return "bigint", None
    if isinstance(kind, Integer):
        return "integer", None
    if isinstance(kind, Boolean):
        return "boolean", None
    if isinstance(kind, Float):
        return "float8", float
    if isinstance(kind, String):
        return "text", None
    raise TypeError(f"no array type for {column} ({kind})")


def _arrays(
    columns: Sequence[Column[Any]], names: Sequence[str], values: Sequence[Sequence[Any]]
) -> tuple[str, dict[str, list[Any]]]:
    """`unnest(%(p0)b::text[], ...) AS v(names)` over `columns`, and its parameters:
    `values[i]` holds the i-th column of every row. The arrays go in binary: psycopg's
    text format escapes every element with a regular expression, ~100 times slower."""
    params: dict[str, list[Any]] = {}
    casts = []
    for i, (column, column_values) in enumerate(zip(columns, values, strict=True)):
        sql_type, convert = _array_type(column)
        params[f"p{i}"] = (
            [None if v is None else convert(v) for v in column_values]
            if convert is not None
            else list(column_values)
        )
        casts.append(f"%(p{i})b::{sql_type}[]")
    return f"unnest({', '.join(casts)}) AS v({', '.join(names)})", params


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


@cache
def _compiled(dialect: Dialect, table: Table, ignore: tuple[str, ...]) -> str:
    """SQLite: the INSERT's SQL with named parameters, so the driver binds row dicts."""
    stmt = insert_ignore(dialect.name, table, ignore) if ignore else insert(table)
    named = sqlite.dialect(paramstyle="named") if dialect.name == "sqlite" else dialect
    return str(stmt.compile(dialect=named, column_keys=[c.name for c in table.columns]))


@cache
def _update_sql(
    table: Table,
    match: tuple[str, ...],
    values: tuple[str, ...],
    only_null: str | None,
) -> str:
    """SQLite: bulk_update's statement, compiled once, with named parameters."""
    stmt = update(table).where(
        *(table.c[m] == bindparam(f"m_{m}") for m in match),
        *([table.c[only_null].is_(None)] if only_null else []),
    )
    stmt = stmt.values({v: bindparam(f"s_{v}") for v in values})
    return str(stmt.compile(dialect=sqlite.dialect(paramstyle="named")))


@cache
def _delete_sql(table: Table, match: tuple[str, ...]) -> str:
    """SQLite: bulk_delete's statement, compiled once, with named parameters."""
    stmt = delete(table).where(and_(*(table.c[m] == bindparam(f"m_{m}") for m in match)))
    return str(stmt.compile(dialect=sqlite.dialect(paramstyle="named")))


def bulk_insert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], *, ignore: tuple[str, ...] = ()
) -> None:
    """Insert plain rows (every column given) in one go. With `ignore`, rows whose key
    already exists (or repeats one earlier in `rows`) are skipped; without it, such a
    row raises IntegrityError."""
    if not rows:
        return
    if not is_postgres(conn):
        _sqlite_many(conn, _compiled(conn.dialect, table, ignore), rows)
        return
    columns = list(table.columns)
    names = [c.name for c in columns]
    source, params = _arrays(columns, names, [[r[n] for r in rows] for n in names])
    quoted = ", ".join(_quote(conn, n) for n in names)
    sql = f"INSERT INTO {_quote(conn, table.name)} ({quoted}) SELECT * FROM {source}"
    if ignore:
        sql += f" ON CONFLICT ({', '.join(_quote(conn, k) for k in ignore)}) DO NOTHING"
    conn.exec_driver_sql(sql, params)


def bulk_update(
    conn: Connection,
    table: Table,
    rows: Sequence[tuple[Any, ...]],
    *,
    match: Sequence[str],
    values: Sequence[str],
    only_null: str | None = None,
) -> int | None:
    """Update one row per tuple: the first len(match) items find the row (by equality
    on the `match` columns), the rest are the new `values`. With `only_null`, a row is
    updated only while that column is NULL. Returns how many rows changed, or None
    where the driver cannot tell for a batch."""
    if not rows:
        return 0
    if not is_postgres(conn):
        # sqlite3 sums the rows changed over an executemany
        sql = _update_sql(table, tuple(match), tuple(values), only_null)
        names = [f"m_{m}" for m in match] + [f"s_{v}" for v in values]
        return _sqlite_many(conn, sql, [dict(zip(names, r, strict=True)) for r in rows])
    columns = [table.c[m] for m in match] + [table.c[v] for v in values]
    names = [f"m_{m}" for m in match] + [f"s_{v}" for v in values]
    source, params = _arrays(columns, names, list(zip(*rows, strict=True)))
    t = _quote(conn, table.name)
    sets = ", ".join(f"{_quote(conn, v)} = v.s_{v}" for v in values)
    conds = [f"{t}.{_quote(conn, m)} = v.m_{m}" for m in match]
    if only_null:
        conds.append(f"{t}.{_quote(conn, only_null)} IS NULL")
    sql = f"UPDATE {t} SET {sets} FROM {source} WHERE {' AND '.join(conds)}"
    return int(conn.exec_driver_sql(sql, params).rowcount)


def bulk_delete(
    conn: Connection, table: Table, keys: Sequence[tuple[Any, ...]], *, match: Sequence[str]
) -> None:
    """Delete the rows whose `match` columns equal one of `keys`."""
    if not keys:
        return
    if not is_postgres(conn):
        # One indexed DELETE per key: SQLite does not use the primary key for
        # `(a, b) IN (VALUES ...)`.
        sql = _delete_sql(table, tuple(match))
        names = [f"m_{m}" for m in match]
        _sqlite_many(conn, sql, [dict(zip(names, key, strict=True)) for key in keys])
        return
    columns = [table.c[m] for m in match]
    source, params = _arrays(columns, [f"m_{m}" for m in match], list(zip(*keys, strict=True)))
    t = _quote(conn, table.name)
    conds = " AND ".join(f"{t}.{_quote(conn, m)} = v.m_{m}" for m in match)
    conn.exec_driver_sql(f"DELETE FROM {t} USING {source} WHERE {conds}", params)
