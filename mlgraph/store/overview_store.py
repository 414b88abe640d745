"""What a catalog shows at a glance — entities per type and the most recently changed
entities — read without scanning `entities`, so it costs the same at any size."""

from __future__ import annotations

from sqlalchemy import Connection, func, literal, select, text

from mlgraph.store.engine import Engines
from mlgraph.store.schema import edges, entities, entity_counts

# On PostgreSQL each connection counts in a slot of its own (migration 0005); once more
# rows than this have piled up, the slots of connections that have gone are folded
# into slot 0.
FOLD_AT = 512
# How far back "recently changed" entities of one type are looked for.
RECENT_WINDOW = 2000

# Moves the counts of backends no longer connected into slot 0, in one statement. No
# live connection waits: the rows of gone backends are locked by no one, and slot 0 is
# written only here (types in order, so two folds queue rather than deadlock).
_PG_FOLD = """
WITH gone AS (
    DELETE FROM entity_counts
    WHERE slot <> 0 AND slot NOT IN (SELECT pid FROM pg_stat_activity)
    RETURNING entity_type, live, removed
)
INSERT INTO entity_counts (entity_type, slot, live, removed)
SELECT entity_type, 0, sum(live), sum(removed) FROM gone
GROUP BY entity_type ORDER BY entity_type
ON CONFLICT (entity_type, slot) DO UPDATE
SET live = entity_counts.live + excluded.live, removed = entity_counts.removed + excluded.removed
"""


class OverviewStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def entity_counts(self) -> dict[str, tuple[int, int]]:
        """{entity type: (live, soft-deleted)} for every type that has entities."""
        stmt = select(
            entity_counts.c.entity_type,
            func.sum(entity_counts.c.live),
            func.sum(entity_counts.c.removed),
            func.count(),
        ).group_by(entity_counts.c.entity_type)
        with self.engines.reading() as conn:
            rows = conn.execute(stmt).all()
        if not self.engines.is_sqlite and sum(r[3] for r in rows) > FOLD_AT:
            self.fold_slots()
        return {t: (int(live), int(gone)) for t, live, gone, _ in rows if live or gone}

    def fold_slots(self) -> None:
        """PostgreSQL: fold the count slots of connections that have closed into slot 0."""
        with self.engines.writing() as conn:
            _fold(conn)

    def recently_changed(self, limit: int, entity_type: str | None = None) -> list[str]:
        """URNs of the live entities changed last, newest first: a walk down the
        updated_at index that stops after `limit` rows. Of one type, only among the last
        RECENT_WINDOW changes, so the walk stays short when the type is rare among
        them (the (type, urn) index would read and sort every entity of the type)."""
        newest = entities.c.updated_at.desc()
        live = select(entities.c.urn).where(entities.c.removed.is_(False)).order_by(newest)
        stmt = live.limit(limit)
        if entity_type is not None:
            window = live.add_columns(entities.c.entity_type, entities.c.updated_at)
            last = window.limit(RECENT_WINDOW).subquery()
            stmt = (
                select(last.c.urn)
                .where(last.c.entity_type == entity_type)
                .order_by(last.c.updated_at.desc())
                .limit(limit)
            )
        with self.engines.reading() as conn:
            return list(conn.scalars(stmt))

    def tagged(self, tag: str, entity_type: str, limit: int) -> list[str]:
        """URNs of up to `limit` live entities of a type carrying a tag (which ones, when
        more carry it, is up to the index walk): read from the (target, rel) edge index
        and stopped after `limit`, however many carry the tag."""
        stmt = (
            select(edges.c.source_urn)
            .join(entities, entities.c.urn == edges.c.source_urn)
            .where(
                edges.c.target_urn == tag,
                edges.c.rel == "TaggedWith",
                # `|| ''`: look each candidate up by its key rather than drive the
                # query from the (type, urn) index.
                (entities.c.entity_type + literal("")) == entity_type,
                entities.c.removed.is_(False),
            )
            .limit(limit)
        )
        with self.engines.reading() as conn:
            # One entity may carry the tag from two aspects; no DISTINCT, which
            # PostgreSQL would compute over every tagged entity before the LIMIT.
            return list(dict.fromkeys(conn.scalars(stmt)))


def _fold(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_FOLD))
