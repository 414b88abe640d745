"""PostgreSQL: keep each search document's tsvector in a stored column.

The GIN index of 0002 was built on the expression `to_tsvector('simple', text)`; the
index finds the matches, but ranking them (`ts_rank`) re-parsed every matching document,
and a broad word matching 60,000 entities spent over a second on it. A generated column
parses each document once, when it is written, and the index and the ranking read it.
SQLite's FTS5 index already keeps what its ranking needs: nothing changes there.

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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_search_docs_fts ON search_docs "
        "USING GIN (to_tsvector('simple'::regconfig, text))"
    )
    op.execute("DROP INDEX ix_search_docs_words")
    op.execute("ALTER TABLE search_docs DROP COLUMN words")
