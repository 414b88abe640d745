"""The versioned aspect store: SQL for reading and writing entities, aspects, their
history and the edges derived from them. Decisions (validation, versions expected,
what an edge is) belong to the services; this module only stores and fetches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, or_, select, true, tuple_

from mlgraph.store.approval_store import ApprovalRow, mark_applied
from mlgraph.store.approval_store import usable as usable_approval
from mlgraph.store.audit_store import AuditEntry
from mlgraph.store.audit_store import append as append_audit
from mlgraph.store.dialect import (
    bulk_delete,
    bulk_insert,
    bulk_update,
    is_postgres,
    key_table,
    select_in,
)
from mlgraph.store.engine import Engines
from mlgraph.store.external_ids import ExternalId, claim, release
from mlgraph.store.schema import (
    aspect_history,
    aspects,
    edges,
    entities,
    entity_properties,
    metric_points,
    search_docs,
)

# SQLite allows 32,766 bound parameters; stay well below for IN lists.
_CHUNK = 500


class MetricPosition(NamedTuple):
    """A metric point, in the store's order: also a cursor position."""

    timestamp: int
    step: int
    is_nan: bool
    stored: float  # 0 for NaN


@dataclass(frozen=True, slots=True)
class StoredAspect:
    urn: str
    aspect: str
    version: int
    value: str | None  # JSON text; None for a deletion tombstone in history
    created_at: int
    actor: str
    run_id: str | None


@dataclass(frozen=True, slots=True)
class EntityRow:
    urn: str
    entity_type: str
    platform: str | None
    name: str
    env: str | None
    removed: bool
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class EdgeRow:
    source_urn: str
    aspect: str
    rel: str
    target_urn: str
    lineage: str | None


class StaleWrite(Exception):
    """A compare-and-set update found a different version than the one read."""


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _aspect(row: Any) -> StoredAspect:
    return StoredAspect(
        row.urn, row.aspect, row.version, row.value, row.created_at, row.actor, row.run_id
    )


def _entity(row: Any) -> EntityRow:
    return EntityRow(
        row.urn,
        row.entity_type,
        row.platform,
        row.name,
        row.env,
        bool(row.removed),
        row.created_at,
        row.updated_at,
    )


class WriteTx:
    """Statements available inside one write transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _pg_aspects_of(self, urns: Sequence[str]) -> Iterable[Any]:
        """PostgreSQL: the latest aspect rows of `urns`, as one primary-key probe per urn
        whatever the planner's statistics say. (With none yet, in a fresh database
        filling up faster than autovacuum analyses it, `urn = ANY(500 urns)` on this
        non-unique column is estimated at most of the table and becomes a sequential
        scan; so does a plain join to the urns. OFFSET 0 keeps the per-urn subquery
        from being flattened into such a join.)"""
        v = key_table(urns, names=("urn",))
        per_urn = select(aspects).where(aspects.c.urn == v.c.urn).offset(0).lateral("a")
        return self.conn.execute(select(per_urn).select_from(v).join(per_urn, true()))

    def latest(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredAspect]:
        found: dict[tuple[str, str], StoredAspect] = {}
        if not keys:
            return found
        urns = sorted({u for u, _ in keys})
        wanted = set(keys)
        if is_postgres(self.conn):
            for row in self._pg_aspects_of(urns):
                if (row.urn, row.aspect) in wanted:
                    found[(row.urn, row.aspect)] = _aspect(row)
            return found
        for chunk in _chunks(urns):
            for row in select_in(self.conn, aspects, "urn", chunk):
                if (row.urn, row.aspect) in wanted:
                    found[(row.urn, row.aspect)] = _aspect(row)
        return found

    def last_history_versions(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The highest version in history of each (urn, aspect) that has one: a deleted
        aspect's numbering continues from it."""
        found: dict[tuple[str, str], int] = {}
        if not keys:
            return found
        h = aspect_history
        if is_postgres(self.conn):  # a backward probe per key, as in _pg_aspects_of
            pairs = list(dict.fromkeys(keys))
            v = key_table([u for u, _ in pairs], [a for _, a in pairs], names=("urn", "aspect"))
            last = (
                select(h.c.version)
                .where(h.c.urn == v.c.urn, h.c.aspect == v.c.aspect)
                .order_by(h.c.version.desc())
                .limit(1)
                .lateral("h")
            )
            stmt = select(v.c.urn, v.c.aspect, last.c.version).select_from(v).join(last, true())
            return {(u, a): int(version) for u, a, version in self.conn.execute(stmt)}
        wanted = set(keys)
        for chunk in _chunks(sorted({u for u, _ in keys})):
            stmt = (
                select(h.c.urn, h.c.aspect, func.max(h.c.version))
                .where(h.c.urn.in_(chunk))
                .group_by(h.c.urn, h.c.aspect)
            )
            for urn, aspect, version in self.conn.execute(stmt):
                if (urn, aspect) in wanted:
                    found[(urn, aspect)] = int(version)
        return found

    def all_aspects(self, urn: str) -> list[StoredAspect]:
        return [_aspect(r) for r in self.conn.execute(select(aspects).where(aspects.c.urn == urn))]

    def entities(self, urns: Sequence[str]) -> dict[str, EntityRow]:
        found: dict[str, EntityRow] = {}
        for chunk in _chunks(list(urns)):
            for row in select_in(self.conn, entities, "urn", chunk):
                found[row.urn] = _entity(row)
        return found

    def insert_entities(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            bulk_insert(self.conn, entities, rows, ignore=("urn",))

    def touch_entities(self, rows: list[dict[str, Any]]) -> None:
        """Set updated_at on existing entities."""
        bulk_update(
            self.conn,
            entities,
            [(r["urn"], r["updated_at"]) for r in rows],
            match=("urn",),
            values=("updated_at",),
        )

    def set_removed(self, flags: dict[str, bool], now: int) -> None:
        bulk_update(
            self.conn,
            entities,
            [(u, r, now) for u, r in flags.items()],
            match=("urn",),
            values=("removed", "updated_at"),
        )

    def set_platforms(self, platforms: dict[str, str]) -> None:
        """Fill in the platform of existing entities whose URN carries none."""
        bulk_update(
            self.conn,
            entities,
            list(platforms.items()),
            match=("urn",),
            values=("platform",),
            only_null="platform",
        )

    def insert_aspects(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            bulk_insert(self.conn, aspects, rows)

    def replace_aspects(
        self, rows: list[dict[str, Any]], previous: dict[tuple[str, str], int]
    ) -> None:
        """Overwrite latest rows, each only if it still has the version read earlier."""
        changed = bulk_update(
            self.conn,
            aspects,
            [
                (
                    r["urn"],
                    r["aspect"],
                    previous[(r["urn"], r["aspect"])],
                    r["version"],
                    r["value"],
                    r["created_at"],
                    r["actor"],
                    r["run_id"],
                )
                for r in rows
            ],
            match=("urn", "aspect", "version"),
            values=("version", "value", "created_at", "actor", "run_id"),
        )
        if changed is not None and changed != len(rows):
            raise StaleWrite()

    def delete_aspect(self, urn: str, aspect: str, version: int) -> None:
        result = self.conn.execute(
            delete(aspects).where(
                aspects.c.urn == urn, aspects.c.aspect == aspect, aspects.c.version == version
            )
        )
        if result.rowcount != 1:
            raise StaleWrite()

    def archive(self, rows: list[StoredAspect]) -> None:
        """Move superseded versions into history (PK clashes mean a racing writer)."""
        if rows:
            bulk_insert(
                self.conn,
                aspect_history,
                [
                    {
                        "urn": r.urn,
                        "aspect": r.aspect,
                        "version": r.version,
                        "value": r.value,
                        "created_at": r.created_at,
                        "actor": r.actor,
                        "run_id": r.run_id,
                    }
                    for r in rows
                ],
            )

    def delete_edges(self, keys: Sequence[tuple[str, str]]) -> None:
        bulk_delete(self.conn, edges, keys, match=("source_urn", "aspect"))

    def insert_edges(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            bulk_insert(
                self.conn, edges, rows, ignore=("source_urn", "aspect", "rel", "target_urn")
            )

    def delete_properties(self, keys: Sequence[tuple[str, str]]) -> None:
        bulk_delete(self.conn, entity_properties, keys, match=("urn", "aspect"))

    def insert_metric_points(self, rows: list[dict[str, Any]]) -> None:
        bulk_insert(
            self.conn,
            metric_points,
            rows,
            ignore=("urn", "key", "timestamp", "step", "value", "is_nan"),
        )

    def insert_properties(self, rows: list[dict[str, Any]]) -> None:
        bulk_insert(self.conn, entity_properties, rows)

    def stored_values(
        self, urns: Sequence[str], names: Sequence[str]
    ) -> list[tuple[str, str, str]]:
        """(urn, aspect, JSON) of the latest `names` aspects of `urns`."""
        if not urns:
            return []
        if is_postgres(self.conn):
            wanted = set(names)
            return [
                (r.urn, r.aspect, r.value)
                for r in self._pg_aspects_of(list(dict.fromkeys(urns)))
                if r.aspect in wanted
            ]
        out: list[tuple[str, str, str]] = []
        for chunk in _chunks(list(urns)):
            rows = select_in(
                self.conn,
                aspects,
                "urn",
                chunk,
                also=("aspect", list(names)),
                columns=("urn", "aspect", "value"),
            )
            out.extend((r.urn, r.aspect, r.value) for r in rows)
        return out

    def replace_docs(self, rows: list[dict[str, Any]], existed: Sequence[str]) -> None:
        bulk_delete(self.conn, search_docs, [(u,) for u in existed], match=("urn",))
        bulk_insert(self.conn, search_docs, [r for r in rows if r["text"]])

    def claim_ids(self, ids: Sequence[ExternalId]) -> None:
        claim(self.conn, ids)

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        append_audit(self.conn, entries)

    def usable_approval(self, model_urn: str, target: str, now: int) -> ApprovalRow | None:
        return usable_approval(self.conn, model_urn, target, now)

    def mark_approval_applied(self, request_id: str, now: int) -> None:
        mark_applied(self.conn, request_id, now)

    def hard_delete(self, urn: str) -> None:
        release(self.conn, urn)
        for table in (aspects, aspect_history, entity_properties, search_docs, metric_points):
            self.conn.execute(delete(table).where(table.c.urn == urn))
        self.conn.execute(delete(edges).where(edges.c.source_urn == urn))
        self.conn.execute(delete(entities).where(entities.c.urn == urn))


class AspectStore:
    """Reads, and the entry point for write transactions."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    @contextmanager
    def transaction(self) -> Iterator[WriteTx]:
        """`with store.transaction() as tx:` — all or nothing."""
        with self.engines.writing() as conn:
            yield WriteTx(conn)

    # -- reads ---------------------------------------------------------------

    def entity(self, urn: str) -> EntityRow | None:
        with self.engines.reading() as conn:
            row = conn.execute(select(entities).where(entities.c.urn == urn)).first()
        return _entity(row) if row else None

    def latest_aspects(self, urn: str, names: Sequence[str] | None = None) -> list[StoredAspect]:
        stmt = select(aspects).where(aspects.c.urn == urn)
        if names:
            stmt = stmt.where(aspects.c.aspect.in_(list(names)))
        with self.engines.reading() as conn:
            return [_aspect(r) for r in conn.execute(stmt.order_by(aspects.c.aspect))]

    def entities_with_aspects(
        self, urns: Sequence[str], names: Sequence[str] | None
    ) -> tuple[dict[str, EntityRow], list[StoredAspect]]:
        """Entity rows and latest aspects (all, or `names`) of many entities at once."""
        rows: dict[str, EntityRow] = {}
        found: list[StoredAspect] = []
        also = ("aspect", list(names)) if names else None
        with self.engines.reading() as conn:
            for chunk in _chunks(list(dict.fromkeys(urns))):
                for r in select_in(conn, entities, "urn", chunk):
                    rows[r.urn] = _entity(r)
                found.extend(_aspect(r) for r in select_in(conn, aspects, "urn", chunk, also=also))
        return rows, found

    def latest_many(self, urns: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, str]]:
        """{urn: {aspect: JSON text}} for the latest `names` aspects of many entities."""
        found: dict[str, dict[str, str]] = {}
        also = ("aspect", list(names))
        columns = ("urn", "aspect", "value")
        with self.engines.reading() as conn:
            for chunk in _chunks(list(urns)):
                for r in select_in(conn, aspects, "urn", chunk, also=also, columns=columns):
                    found.setdefault(r.urn, {})[r.aspect] = r.value
        return found

    def metric_history(
        self, urn: str, key: str, *, after: MetricPosition | None, limit: int
    ) -> list[MetricPosition]:
        """The points of one metric, oldest first, after a position. A NaN point
        comes after the numbers logged at the same step and time."""
        m = metric_points.c
        order = (m.timestamp, m.step, m.is_nan, m.value)
        stmt = select(*order).where(m.urn == urn, m.key == key)
        if after is not None:
            stmt = stmt.where(tuple_(*order) > tuple_(*after))
        with self.engines.reading() as conn:
            rows = conn.execute(stmt.order_by(*order).limit(limit))
            return [MetricPosition(r.timestamp, r.step, r.is_nan, r.value) for r in rows]

    def aspect_version(self, urn: str, aspect: str, version: int | None) -> StoredAspect | None:
        with self.engines.reading() as conn:
            latest = conn.execute(
                select(aspects).where(aspects.c.urn == urn, aspects.c.aspect == aspect)
            ).first()
            if version is None or (latest is not None and latest.version == version):
                return _aspect(latest) if latest else None
            row = conn.execute(
                select(aspect_history).where(
                    aspect_history.c.urn == urn,
                    aspect_history.c.aspect == aspect,
                    aspect_history.c.version == version,
                )
            ).first()
        return _aspect(row) if row else None

    def history(
        self, urn: str, aspect: str, *, limit: int, before: int | None
    ) -> list[StoredAspect]:
        """Versions newest first, the latest included; tombstones mark deletions."""
        conds = [aspects.c.urn == urn, aspects.c.aspect == aspect]
        hconds = [aspect_history.c.urn == urn, aspect_history.c.aspect == aspect]
        if before is not None:
            conds.append(aspects.c.version < before)
            hconds.append(aspect_history.c.version < before)
        union = (
            select(aspects)
            .where(*conds)
            .union_all(select(aspect_history).where(*hconds))
            .subquery()
        )
        stmt = select(union).order_by(union.c.version.desc()).limit(limit)
        with self.engines.reading() as conn:
            return [_aspect(r) for r in conn.execute(stmt)]

    def list_entities(
        self,
        *,
        entity_type: str | None,
        platform: str | None,
        env: str | None,
        include_removed: bool,
        after: str | None,
        limit: int,
    ) -> list[EntityRow]:
        stmt = select(entities)
        if entity_type:
            stmt = stmt.where(entities.c.entity_type == entity_type)
        if platform:
            stmt = stmt.where(entities.c.platform == platform)
        if env:
            stmt = stmt.where(entities.c.env == env)
        if not include_removed:
            stmt = stmt.where(entities.c.removed.is_(False))
        if after is not None:
            stmt = stmt.where(entities.c.urn > after)
        stmt = stmt.order_by(entities.c.urn).limit(limit)
        with self.engines.reading() as conn:
            return [_entity(r) for r in conn.execute(stmt)]

    def edges_of(
        self, urn: str, *, outgoing: bool, incoming: bool, rels: Sequence[str] | None
    ) -> list[EdgeRow]:
        conds = []
        if outgoing:
            conds.append(edges.c.source_urn == urn)
        if incoming:
            conds.append(edges.c.target_urn == urn)
        stmt = select(edges).where(or_(*conds))
        if rels:
            stmt = stmt.where(edges.c.rel.in_(list(rels)))
        stmt = stmt.order_by(edges.c.rel, edges.c.source_urn, edges.c.target_urn)
        with self.engines.reading() as conn:
            return [
                EdgeRow(r.source_urn, r.aspect, r.rel, r.target_urn, r.lineage)
                for r in conn.execute(stmt)
            ]

    def existing(self, urns: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engines.reading() as conn:
            for chunk in _chunks(list(urns)):
                found.update(
                    r.urn
                    for r in conn.execute(select(entities.c.urn).where(entities.c.urn.in_(chunk)))
                )
        return found
