"""Entities, aspects, aspect history and relationship edges.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("urn", sa.String(), primary_key=True),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(255)),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("env", sa.String(32)),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_entities_type_urn", "entities", ["entity_type", "urn"])
    op.create_index(
        "ix_entities_type_platform_env", "entities", ["entity_type", "platform", "env", "urn"]
    )
    op.create_index("ix_entities_updated", "entities", ["updated_at"])
    for name, versioned in (("aspects", False), ("aspect_history", True)):
        op.create_table(
            name,
            sa.Column("urn", sa.String(), primary_key=True),
            sa.Column("aspect", sa.String(128), primary_key=True),
            sa.Column("version", sa.Integer(), primary_key=versioned, nullable=False),
            sa.Column("value", sa.Text(), nullable=versioned),
            sa.Column("created_at", sa.BigInteger(), nullable=False),
            sa.Column("actor", sa.String(512), nullable=False),
            sa.Column("run_id", sa.String(255)),
        )
    op.create_table(
        "edges",
        sa.Column("source_urn", sa.String(), primary_key=True),
        sa.Column("aspect", sa.String(128), primary_key=True),
        sa.Column("rel", sa.String(64), primary_key=True),
        sa.Column("target_urn", sa.String(), primary_key=True),
        sa.Column("lineage", sa.String(16)),
    )
    op.create_index("ix_edges_target", "edges", ["target_urn", "rel"])


def downgrade() -> None:
    for name in ("edges", "aspect_history", "aspects", "entities"):
        op.drop_table(name)
