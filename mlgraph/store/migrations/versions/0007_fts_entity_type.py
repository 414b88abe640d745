"""SQLite: the full-text index carries each document's entity type, in a column of its
own, so a search for words within a type is one FTS5 query.

Searching "fraud" among models used to take every document holding the word (60,000 at
a million entities), look up each one's URN and test its type: ~40 ms to count them
alone. With the type in the index, `"fraud"* AND entity_type : "mlmodel"` is answered
and counted by FTS5 itself. The type is not stored twice: `search_docs.entity_type` is a
virtual generated column (the type is the URN's second part, `urn:li:<type>:...`), which
the external-content FTS5 table reads when it is rebuilt. The type column weighs nothing
in the ranking (`bm25(1.0, 0.0)`). PostgreSQL is unchanged: its type test reads the URN.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TYPE = "substr(urn, 8, instr(substr(urn, 8), ':') - 1)"


def _fts(columns: list[str]) -> None:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({names}, "
        "content='search_docs', content_rowid='rowid', tokenize='unicode61')"
    )
    op.execute(
        "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.rowid, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {names}) VALUES ('delete', old.rowid, {old}); END"
    )
    op.execute(
        "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {names}) VALUES ('delete', old.rowid, {old}); "
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.rowid, {new}); END"
    )


def _drop_fts() -> None:
    for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"ALTER TABLE search_docs ADD COLUMN entity_type TEXT GENERATED ALWAYS AS ({_TYPE}) VIRTUAL"
    )
    _drop_fts()
    _fts(["text", "entity_type"])
    op.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)')")
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_fts()
    _fts(["text"])
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    op.execute("ALTER TABLE search_docs DROP COLUMN entity_type")
