"""Identifiers other systems give entities (`external_ids`): written inside a write
transaction (`claim`, `release`), read by system, kind, id, name or URN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from mlgraph.store.dialect import select_in
from mlgraph.store.engine import Engines
from mlgraph.store.schema import external_ids

T = external_ids.c


@dataclass(frozen=True, slots=True)
class ExternalId:
    system: str  # e.g. "mlflow"
    kind: str  # e.g. "experiment"
    key: str  # the system's id, e.g. "3"
    urn: str
    name: str | None = None  # unique within (system, kind)

    def row(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "kind": self.kind,
            "key": self.key,
            "urn": self.urn,
            "name": self.name,
            "number": int(self.key) if self.key.isdigit() else None,
        }


def _of(row: Any) -> ExternalId:
    return ExternalId(row.system, row.kind, row.key, row.urn, row.name)


def claim(conn: Connection, ids: Sequence[ExternalId]) -> None:
    """Give each id to its entity: an id the entity holds already is replaced (a new
    name), an id another entity holds or a name taken fails on the constraints."""
    for i in ids:
        conn.execute(
            delete(external_ids).where(
                T.system == i.system, T.kind == i.kind, T.key == i.key, T.urn == i.urn
            )
        )
    if ids:
        conn.execute(insert(external_ids), [i.row() for i in ids])


def release(conn: Connection, urn: str) -> None:
    """Every id of an entity that is gone."""
    conn.execute(delete(external_ids).where(T.urn == urn))


class ExternalIdStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def _one(self, system: str, kind: str, column: str, value: str) -> ExternalId | None:
        # select_in: these run on every MLflow request, where building a statement
        # through SQLAlchemy cost four times running it
        with self.engines.reading() as conn:
            rows = select_in(conn, external_ids, column, [value], also=("kind", [kind]))
            found = next((r for r in rows if r.system == system), None)
        return _of(found) if found else None

    def by_key(self, system: str, kind: str, key: str) -> ExternalId | None:
        return self._one(system, kind, "key", key)

    def by_name(self, system: str, kind: str, name: str) -> ExternalId | None:
        return self._one(system, kind, "name", name)

    def of_urn(self, urn: str) -> list[ExternalId]:
        with self.engines.reading() as conn:
            return [_of(r) for r in conn.execute(select(external_ids).where(T.urn == urn))]

    def all(self, system: str, kind: str) -> list[ExternalId]:
        """Every id of a kind, in the order of their numbers (then keys)."""
        stmt = (
            select(external_ids).where(T.system == system, T.kind == kind).order_by(T.number, T.key)
        )
        with self.engines.reading() as conn:
            return [_of(r) for r in conn.execute(stmt)]

    def last_number(self, system: str, kind: str) -> int | None:
        stmt = select(func.max(T.number)).where(T.system == system, T.kind == kind)
        with self.engines.reading() as conn:
            value = conn.execute(stmt).scalar_one_or_none()
        return None if value is None else int(value)
