"""PostgreSQL: keep each search document's tsvector in a stored column, and number
documents in the order they are written.

The GIN index of 0002 was built on the expression `to_tsvector('simple', text)`; the
index finds the matches, but ranking them (`ts_rank`) re-parsed every matching document,
and a broad word matching 60,000 entities spent over a second on it. A generated column
parses each document once, when it is written, and the index and the ranking read it.

`seq` numbers documents as they are (re)written — a document is replaced whenever its
entity changes — so "the most recently changed matches" is an order on both backends
(SQLite's FTS5 rowid gives it there): a word too broad to rank every match is ranked
over its most recent ones (mlgraph.store.search_store). SQLite needs neither column.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_docs ADD COLUMN words tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED"
    )
    op.execute("CREATE INDEX ix_search_docs_words ON search_docs USING GIN (words)")
    op.execute("DROP INDEX ix_search_docs_fts")
    op.execute("ALTER TABLE search_docs ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY")
    op.execute("CREATE INDEX ix_search_docs_seq ON search_docs (seq)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_search_docs_fts ON search_docs "
        "USING GIN (to_tsvector('simple'::regconfig, text))"
    )
    op.execute("DROP INDEX ix_search_docs_words")
    op.execute("DROP INDEX ix_search_docs_seq")
    op.execute("ALTER TABLE search_docs DROP COLUMN seq")
    op.execute("ALTER TABLE search_docs DROP COLUMN words")
