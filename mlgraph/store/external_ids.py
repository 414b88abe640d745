"""Identifiers other systems give entities (`external_ids`): written inside a write
transaction (`claim`, `release`), read by system, kind, id, name or URN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from mlgraph.store.engine import Engines
from mlgraph.store.schema import external_ids

T = external_ids.c
# Built once: these run on every MLflow request, where building and keying a statement
# cost more than running it.
_OF_KIND = (T.system == bindparam("system"), T.kind == bindparam("kind"))
_BY_KEY = select(external_ids).where(*_OF_KIND, T.key == bindparam("key"))
_BY_NAME = select(external_ids).where(*_OF_KIND, T.name == bindparam("name"))


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

    def _one(self, stmt: Any, params: dict[str, str]) -> ExternalId | None:
        with self.engines.reading() as conn:
            row = conn.execute(stmt, params).first()
        return _of(row) if row else None

    def by_key(self, system: str, kind: str, key: str) -> ExternalId | None:
        return self._one(_BY_KEY, {"system": system, "kind": kind, "key": key})

    def by_name(self, system: str, kind: str, name: str) -> ExternalId | None:
        return self._one(_BY_NAME, {"system": system, "kind": kind, "name": name})

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
