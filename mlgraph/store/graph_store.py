"""Graph reads for lineage: one hop of lineage edges from a frontier of URNs, in
either direction, in one query over two indexes (the edge's owner may sit on either
end), or every hop within a depth in one recursive query. A walk takes a `session` so
its reads share one connection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, TextClause, or_, select, text

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

    def reach(
        self, root: str, *, upstream: bool, containment: bool, depth: int, cap: int
    ) -> dict[str, list[Hop]] | None:
        """The edge hops (as `hops` finds them, without the column hops) leaving every
        node within `depth` edge hops of `root`, keyed by the node they leave: one
        recursive query instead of one query per hop. Nodes reached with no hops map to
        an empty list. None when the walk holds more than `cap` rows: the caller goes
        hop by hop, and can stop at its own limits."""
        sql = _REACH[upstream, containment]
        known: dict[str, list[Hop]] = {root: []}
        seen: set[tuple[str, str, str, str, str]] = set()
        with self._reading() as conn:
            rows = conn.execute(sql, {"root": root, "depth": depth, "cap": cap + 1}).all()
        if len(rows) > cap:
            return None
        # The query follows a node once for each distance it is reached at; a node's
        # hops are the same each time.
        for here, there, source, target, lineage, rel, aspect, level in rows:
            if level <= depth:
                known.setdefault(there, [])
            if (here, source, target, rel, aspect) not in seen:
                seen.add((here, source, target, rel, aspect))
                known.setdefault(here, []).append(
                    _hop(source, target, lineage or "upstream", rel, aspect)
                )
        return known

    def hops(
        self,
        frontier: Sequence[str],
        *,
        upstream: bool,
        containment: bool = False,
        known: dict[str, list[Hop]] | None = None,
    ) -> list[Hop]:
        """Every lineage hop leaving `frontier` upstream (towards sources) or downstream.

        An edge row says where its target sits relative to its source ('upstream' or
        'downstream'), so a step upstream from X follows X's own upstream references and
        the downstream references others hold to X. The edge hops of nodes in `known`
        (from `reach`) are taken from there rather than read again."""
        out: list[Hop] = []
        if known is not None:
            for urn in frontier:
                out.extend(known.get(urn, ()))
            out.extend(self._column_hops([u for u in frontier if u in known], upstream))
            frontier = [u for u in frontier if u not in known]
            if not frontier:
                return out
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
        out.extend(self._column_hops(frontier, upstream))
        return out

    def _column_hops(self, frontier: Sequence[str], upstream: bool) -> list[Hop]:
        """A dataset feeds its own columns: upstream, a column is fed by its dataset;
        downstream, a dataset reaches the columns others' edges point at."""
        out: list[Hop] = []
        if upstream:
            for urn in frontier:
                if urn.startswith(_FIELD_PREFIX):
                    parent = _field_parent(urn)
                    if parent:
                        out.append(Hop(parent, urn, "HasColumn", parent, "schemaMetadata"))
            return out
        datasets = [u for u in frontier if u.startswith("urn:li:dataset:")]
        if not datasets:
            return out
        with self._reading() as conn:
            for urn in datasets:
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


def _reach_sql(upstream: bool, containment: bool) -> TextClause:
    """`reach`'s query: rows (here, there, edge, level), level 1 leaving the root. The
    recursive step joins `walk` once, as PostgreSQL requires, on either end of the
    edge; the outer LIMIT stops the recursion once `cap` rows are read."""
    own = f"e.lineage = '{'upstream' if upstream else 'downstream'}'"
    other = f"e.lineage = '{'downstream' if upstream else 'upstream'}'"
    if containment:  # membership: the container feeds its members
        if upstream:
            own = f"({own} OR e.rel = 'IsPartOf')"
        else:
            other = f"({other} OR e.rel = 'IsPartOf')"
    return text(
        f"""
        WITH RECURSIVE walk(here, there, source_urn, target_urn, lineage, rel, aspect, level)
        AS (
            SELECT CAST(:root AS VARCHAR), CAST(:root AS VARCHAR), CAST(NULL AS VARCHAR),
                   CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
                   CAST(NULL AS VARCHAR), 0
            UNION
            SELECT w.there,
                   CASE WHEN e.source_urn = w.there AND {own}
                        THEN e.target_urn ELSE e.source_urn END,
                   e.source_urn, e.target_urn, e.lineage, e.rel, e.aspect, w.level + 1
              FROM walk w JOIN edges e
                ON (e.source_urn = w.there AND {own}) OR (e.target_urn = w.there AND {other})
             WHERE w.level <= :depth
        )
        SELECT here, there, source_urn, target_urn, lineage, rel, aspect, level
          FROM walk WHERE level > 0 LIMIT :cap
        """
    )


_REACH = {(up, c): _reach_sql(up, c) for up in (True, False) for c in (True, False)}


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
