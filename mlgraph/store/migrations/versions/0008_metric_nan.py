"""Metric points can be NaN.

A training loss that diverges is logged as NaN, and MLflow keeps it: its metric history
answers `"value": "NaN"`. SQLite has no NaN (it stores one as NULL, which the key
refuses), so a point records NaN in a flag of its own, as MLflow's own tables do: value
0 with `is_nan` true. The flag is part of the key, so a NaN point and a 0 point at the
same step and time are two points.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KEY = ("urn", "key", "timestamp", "step", "value")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a table's key in place: build the new table and copy.
        op.create_table(
            "metric_points_new",
            sa.Column("urn", sa.String(), primary_key=True),
            sa.Column("key", sa.String(255), primary_key=True),
            sa.Column("timestamp", sa.BigInteger(), primary_key=True),
            sa.Column("step", sa.BigInteger(), primary_key=True),
            sa.Column("value", sa.Float(), primary_key=True),
            sa.Column("is_nan", sa.Boolean(), primary_key=True, server_default=sa.false()),
        )
        cols = ", ".join(_KEY)
        op.execute(f"INSERT INTO metric_points_new ({cols}) SELECT {cols} FROM metric_points")
        op.drop_table("metric_points")
        op.rename_table("metric_points_new", "metric_points")
        return
    op.add_column(
        "metric_points",
        sa.Column("is_nan", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.drop_constraint("metric_points_pkey", "metric_points", type_="primary")
    op.create_primary_key("metric_points_pkey", "metric_points", [*_KEY, "is_nan"])


def downgrade() -> None:
    op.execute("DELETE FROM metric_points WHERE is_nan")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("metric_points", recreate="always") as batch:
            batch.drop_column("is_nan")
        return
    op.drop_constraint("metric_points_pkey", "metric_points", type_="primary")
    op.drop_column("metric_points", "is_nan")
    op.create_primary_key("metric_points_pkey", "metric_points", list(_KEY))
