"""Graph reads for lineage: one hop of lineage edges from a frontier of URNs, in
either direction, in one query over two indexes (the edge's owner may sit on either
end). A walk takes a `session` so its hops share one connection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from mlgraph.store.dialect import in_values
from mlgraph.store.engine import Engines
from mlgraph.store.schema import edges, entities

_CHUNK = 500
_FIELD_PREFIX = "urn:li:schemaField:("


@dataclass(frozen=True, slots=True)
class Hop:
    """A lineage step: `upstream` feeds `downstream`, declared by `owner`'s `aspect`."""

    upstream: str
    downstream: str
    rel: str
    owner: str
    aspect: str


class GraphStore:
    def __init__(self, engines: Engines, conn: Connection | None = None) -> None:
        self.engines = engines
        self._conn = conn

    @contextmanager
    def session(self) -> Iterator[GraphStore]:
        """The same reads on one connection: a walk of many hops checks a connection
        out of the pool (a round trip on PostgreSQL) once, not once per hop."""
        with self.engines.reading() as conn:
            yield GraphStore(self.engines, conn)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
        else:
            with self.engines.reading() as conn:
                yield conn

    def hops(
        self, frontier: Sequence[str], *, upstream: bool, containment: bool = False
    ) -> list[Hop]:
        """Every lineage hop leaving `frontier` upstream (towards sources) or downstream.

        An edge row says where its target sits relative to its source ('upstream' or
        'downstream'), so a step upstream from X follows X's own upstream references and
        the downstream references others hold to X."""
        out: list[Hop] = []
        # With containment, membership (a run IsPartOf its experiment) counts as the
        # container feeding its members.
        contained = edges.c.rel == "IsPartOf"
        own = edges.c.lineage == ("upstream" if upstream else "downstream")
        other = edges.c.lineage == ("downstream" if upstream else "upstream")
        if containment:
            own, other = (or_(own, contained), other) if upstream else (own, or_(other, contained))
        with self._reading() as conn:
            for i in range(0, len(frontier), _CHUNK):
                chunk = list(frontier[i : i + _CHUNK])
                # One round trip for both kinds of reference.
                rows = conn.execute(
                    select(edges)
                    .where(in_values(conn, edges.c.source_urn, chunk), own)
                    .union_all(
                        select(edges).where(in_values(conn, edges.c.target_urn, chunk), other)
                    )
                )
                out.extend(
                    _hop(r.source_urn, r.target_urn, r.lineage or "upstream", r.rel, r.aspect)
                    for r in rows
                )
                if not upstream:
                    # A dataset feeds its own columns: reach the columns others point at.
                    for urn in chunk:
                        if urn.startswith("urn:li:dataset:"):
                            prefix = f"{_FIELD_PREFIX}{urn},"
                            cols = (
                                select(edges.c.target_urn)
                                .where(
                                    edges.c.target_urn >= prefix,
                                    edges.c.target_urn < prefix + "\uffff",
                                )
                                .distinct()
                            )
                            for (col,) in conn.execute(cols):
                                out.append(Hop(urn, col, "HasColumn", urn, "schemaMetadata"))
        if upstream:
            # A column is fed by its dataset.
            for urn in frontier:
                if urn.startswith(_FIELD_PREFIX):
                    parent = _field_parent(urn)
                    if parent:
                        out.append(Hop(parent, urn, "HasColumn", parent, "schemaMetadata"))
        return out

    def summaries(self, urns: Sequence[str]) -> dict[str, dict[str, object]]:
        found: dict[str, dict[str, object]] = {}
        with self._reading() as conn:
            for i in range(0, len(urns), _CHUNK):
                chunk = list(urns[i : i + _CHUNK])
                stmt = select(entities).where(in_values(conn, entities.c.urn, chunk))
                for r in conn.execute(stmt):
                    found[r.urn] = {
                        "type": r.entity_type,
                        "platform": r.platform,
                        "name": r.name,
                        "env": r.env,
                        "removed": bool(r.removed),
                    }
        return found


def _hop(source: str, target: str, lineage: str, rel: str, aspect: str) -> Hop:
    if lineage == "upstream":  # the target feeds the source
        return Hop(target, source, rel, source, aspect)
    return Hop(source, target, rel, source, aspect)


def _field_parent(urn: str) -> str | None:
    inner = urn[len(_FIELD_PREFIX) : -1]
    depth = 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            return inner[:i]
    return None
