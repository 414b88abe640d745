"""The audit log's rows (`audit_log`): appended, read back by actor, entity, kind and
time. Nothing here updates or deletes a row, and the table's triggers refuse it.

SQL only: what is recorded and when lives in `services/audit.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from mlgraph.store.engine import Engines
from mlgraph.store.schema import audit_log

L = audit_log.c


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: int
    kind: str
    actor: str
    token_id: str | None = None
    door: str | None = None
    address: str | None = None
    urn: str | None = None
    aspect: str | None = None
    version_before: int | None = None
    version_after: int | None = None
    detail: dict[str, Any] | None = None
    id: int | None = None  # given by the database

    def row(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "token_id": self.token_id,
            "door": self.door,
            "address": self.address,
            "urn": self.urn,
            "aspect": self.aspect,
            "version_before": self.version_before,
            "version_after": self.version_after,
            "detail": orjson.dumps(self.detail).decode() if self.detail is not None else None,
        }


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor: str | None = None
    urn: str | None = None
    kinds: tuple[str, ...] = ()
    since: int | None = None  # epoch ms, inclusive
    until: int | None = None  # epoch ms, exclusive
    after: int | None = None  # an entry id: newer ones only (the cursor)
    limit: int = 100


def append(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Append inside a transaction the caller holds (a write's own, so an entry exists
    exactly when its change does)."""
    if entries:
        conn.execute(insert(audit_log), [e.row() for e in entries])


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(
        at=r.at,
        kind=r.kind,
        actor=r.actor,
        token_id=r.token_id,
        door=r.door,
        address=r.address,
        urn=r.urn,
        aspect=r.aspect,
        version_before=r.version_before,
        version_after=r.version_after,
        detail=orjson.loads(r.detail) if r.detail else None,
        id=r.id,
    )


class AuditStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def append(self, entries: Sequence[AuditEntry]) -> None:
        """Append in a transaction of their own (security events, which happen outside
        any catalog write or after one was refused)."""
        with self.engines.writing() as conn:
            append(conn, entries)

    def query(self, q: AuditQuery) -> list[AuditEntry]:
        """Entries matching `q`, oldest first, at most `q.limit`."""
        return list(self.scan(q, q.limit))

    def scan(
        self, q: AuditQuery, limit: int | None = None, page: int = 1000
    ) -> Iterator[AuditEntry]:
        """Every entry matching `q`, oldest first, read a page at a time (exports)."""
        after = q.after
        left = limit
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            stmt = select(audit_log).order_by(L.id).limit(size)
            if q.actor:
                stmt = stmt.where(L.actor == q.actor)
            if q.urn:
                stmt = stmt.where(L.urn == q.urn)
            if q.kinds:
                stmt = stmt.where(L.kind.in_(list(q.kinds)))
            if q.since is not None:
                stmt = stmt.where(L.at >= q.since)
            if q.until is not None:
                stmt = stmt.where(L.at < q.until)
            if after is not None:
                stmt = stmt.where(L.id > after)
            with self.engines.reading() as conn:
                rows = [_entry(r) for r in conn.execute(stmt)]
            yield from rows
            if len(rows) < size:
                return
            after = rows[-1].id
            if left is not None:
                left -= len(rows)
