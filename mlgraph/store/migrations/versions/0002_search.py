"""Search: full-text documents and structured properties.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("urn", sa.String(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "entity_properties",
        sa.Column("urn", sa.String(), primary_key=True),
        sa.Column("aspect", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value_text", sa.Text()),
        sa.Column("value_num", sa.Float()),
    )
    op.create_index("ix_properties_num", "entity_properties", ["kind", "key", "value_num"])
    op.create_index("ix_properties_text", "entity_properties", ["kind", "key", "value_text"])
    if op.get_bind().dialect.name == "sqlite":
        # An external-content FTS5 index over search_docs, kept in step by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "text, content='search_docs', content_rowid='rowid', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
            "INSERT INTO search_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
            "INSERT INTO search_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_search_docs_fts ON search_docs "
            "USING GIN (to_tsvector('simple'::regconfig, text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("entity_properties")
    op.drop_table("search_docs")
