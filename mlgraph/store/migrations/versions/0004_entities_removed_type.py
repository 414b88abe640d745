"""A covering index for live-entity counts (per type, and in total).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entities_removed_type", "entities", ["removed", "entity_type"])


def downgrade() -> None:
    op.drop_index("ix_entities_removed_type", "entities")
