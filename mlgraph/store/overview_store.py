"""What a catalog shows at a glance — entities per type and the most recently changed
entities — read without scanning `entities`, so it costs the same at any size."""

from __future__ import annotations

from sqlalchemy import Connection, func, literal, select, text

from mlgraph.store.engine import Engines
from mlgraph.store.schema import entities, entity_counts

# On PostgreSQL each connection counts in a slot of its own (migration 0005); once more
# rows than this have piled up, the slots of connections that have gone are folded
# into slot 0.
FOLD_AT = 512

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
        """URNs of the live entities (of one type) changed last, newest first: a walk
        down the updated_at index that stops after `limit` rows."""
        stmt = select(entities.c.urn).where(entities.c.removed.is_(False))
        if entity_type is not None:
            # `|| ''` keeps the planner on the updated_at index: from the (type, urn)
            # index it would read and sort every entity of the type.
            stmt = stmt.where((entities.c.entity_type + literal("")) == entity_type)
        stmt = stmt.order_by(entities.c.updated_at.desc()).limit(limit)
        with self.engines.reading() as conn:
            return list(conn.scalars(stmt))


def _fold(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_FOLD))
