"""Covering indexes for search: each filter clause and facet reads its set of URNs
from an index alone, and soft-deleted entities are found without a table scan.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_edges_target", "edges")
    op.create_index("ix_edges_target", "edges", ["target_urn", "rel", "source_urn"])
    op.drop_index("ix_properties_num", "entity_properties")
    op.create_index("ix_properties_num", "entity_properties", ["kind", "key", "value_num", "urn"])
    op.drop_index("ix_properties_text", "entity_properties")
    op.create_index("ix_properties_text", "entity_properties", ["kind", "key", "value_text", "urn"])
    # Only the (few) soft-deleted entities; the WHERE matches how queries spell it.
    op.create_index(
        "ix_entities_removed",
        "entities",
        ["urn"],
        sqlite_where=sa.text("removed = 1"),
        postgresql_where=sa.text("removed"),
    )


def downgrade() -> None:
    op.drop_index("ix_entities_removed", "entities")
    op.drop_index("ix_properties_text", "entity_properties")
    op.create_index("ix_properties_text", "entity_properties", ["kind", "key", "value_text"])
    op.drop_index("ix_properties_num", "entity_properties")
    op.create_index("ix_properties_num", "entity_properties", ["kind", "key", "value_num"])
    op.drop_index("ix_edges_target", "edges")
    op.create_index("ix_edges_target", "edges", ["target_urn", "rel"])
