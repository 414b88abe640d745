"""Entity counts per type, kept by triggers on `entities`.

Counting a type used to scan the whole entities table (0.7 s at a million entities, on
every home page). Triggers keep `entity_counts` in step inside the writing transaction
itself, so a rolled-back write leaves the counts untouched and no write path (REST,
compat layers, bulk ingest, COPY) can forget it.

SQLite has one writer at a time and keeps one row per type. PostgreSQL writers run
concurrently, and one counter row per type would make every writer of that type wait
for the others to commit (and deadlock two batches that touch types in opposite
orders), so each connection adds to a slot of its own, keyed by its backend pid; the
count is the sum over slots, and `mlgraph.store.overview_store` folds the slots of
connections that have gone into slot 0. Inserts and deletes are counted once per
statement (a bulk insert of 10,000 rows costs one UPSERT per type, not 10,000).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER entities_count_insert AFTER INSERT ON entities BEGIN
    INSERT INTO entity_counts (entity_type, slot, live, removed)
    VALUES (new.entity_type, 0, NOT new.removed, new.removed != 0)
    ON CONFLICT (entity_type, slot)
    DO UPDATE SET live = live + excluded.live, removed = removed + excluded.removed;
    END""",
    """CREATE TRIGGER entities_count_delete AFTER DELETE ON entities BEGIN
    UPDATE entity_counts SET live = live - (NOT old.removed), removed = removed - (old.removed != 0)
    WHERE entity_type = old.entity_type AND slot = 0;
    END""",
    """CREATE TRIGGER entities_count_update AFTER UPDATE OF removed, entity_type ON entities
    WHEN old.removed IS NOT new.removed OR old.entity_type IS NOT new.entity_type BEGIN
    UPDATE entity_counts SET live = live - (NOT old.removed), removed = removed - (old.removed != 0)
    WHERE entity_type = old.entity_type AND slot = 0;
    INSERT INTO entity_counts (entity_type, slot, live, removed)
    VALUES (new.entity_type, 0, NOT new.removed, new.removed != 0)
    ON CONFLICT (entity_type, slot)
    DO UPDATE SET live = live + excluded.live, removed = removed + excluded.removed;
    END""",
]

# Add (sign 1) or subtract (sign -1) the rows of a transition table, per type, in type
# order, to this connection's slot.
_PG_ADD = """
    INSERT INTO entity_counts (entity_type, slot, live, removed)
    SELECT entity_type, pg_backend_pid(),
           {sign} * count(*) FILTER (WHERE NOT removed), {sign} * count(*) FILTER (WHERE removed)
    FROM {rows} GROUP BY entity_type ORDER BY entity_type
    ON CONFLICT (entity_type, slot) DO UPDATE
    SET live = entity_counts.live + excluded.live,
        removed = entity_counts.removed + excluded.removed;
"""

_PG_FUNCTIONS = {
    "entity_counts_insert": _PG_ADD.format(sign=1, rows="new_rows"),
    "entity_counts_delete": _PG_ADD.format(sign=-1, rows="old_rows"),
    "entity_counts_update": """
    INSERT INTO entity_counts (entity_type, slot, live, removed)
    SELECT t, pg_backend_pid(), sum(l), sum(r)
    FROM (VALUES
        (OLD.entity_type, CASE WHEN OLD.removed THEN 0 ELSE -1 END, CASE WHEN OLD.removed THEN -1 ELSE 0 END),
        (NEW.entity_type, CASE WHEN NEW.removed THEN 0 ELSE 1 END, CASE WHEN NEW.removed THEN 1 ELSE 0 END)
    ) AS moved (t, l, r)
    GROUP BY t ORDER BY t
    ON CONFLICT (entity_type, slot) DO UPDATE
    SET live = entity_counts.live + excluded.live,
        removed = entity_counts.removed + excluded.removed;
""",
}

_PG_TRIGGERS = [
    "CREATE TRIGGER entities_count_insert AFTER INSERT ON entities "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_insert()",
    "CREATE TRIGGER entities_count_delete AFTER DELETE ON entities "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_delete()",
    # Row by row, but only for the rare update that soft-deletes, restores or retypes:
    # the WHEN test skips the everyday updated_at touches without calling the function.
    "CREATE TRIGGER entities_count_update AFTER UPDATE OF removed, entity_type ON entities "
    "FOR EACH ROW WHEN (OLD.removed IS DISTINCT FROM NEW.removed "
    "OR OLD.entity_type IS DISTINCT FROM NEW.entity_type) "
    "EXECUTE FUNCTION entity_counts_update()",
]


def upgrade() -> None:
    op.create_table(
        "entity_counts",
        sa.Column("entity_type", sa.String(64), primary_key=True),
        sa.Column("slot", sa.BigInteger(), primary_key=True),
        sa.Column("live", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for ddl in _SQLITE_TRIGGERS:
            op.execute(ddl)
    else:
        for name, body in _PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN{body}RETURN NULL;\nEND $$"
            )
        # CREATE TRIGGER locks out writers to `entities` until this migration commits,
        # so the backfill below sees every row and no write is counted twice.
        for ddl in _PG_TRIGGERS:
            op.execute(ddl)
    # Backfill: the entities already there.
    op.execute(
        "INSERT INTO entity_counts (entity_type, slot, live, removed) "
        "SELECT entity_type, 0, "
        "SUM(CASE WHEN removed THEN 0 ELSE 1 END), SUM(CASE WHEN removed THEN 1 ELSE 0 END) "
        "FROM entities GROUP BY entity_type"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for event in ("insert", "delete", "update"):
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS entities_count_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS entities_count_{event} ON entities")
            op.execute(f"DROP FUNCTION IF EXISTS entity_counts_{event}()")
    op.drop_table("entity_counts")
