"""Identifiers other systems give entities (MLflow's experiment ids and names), one row
each under unique constraints. They replace the MLflow API's `mlflowExperimentIndex`
aspect, one JSON document of every experiment rewritten (and versioned) on each create:
400 experiments left 400 versions and about 6 MB of history for a 30 KB index.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX_URN = "urn:li:dataPlatform:mlflow"
INDEX_ASPECT = "mlflowExperimentIndex"


def upgrade() -> None:
    op.create_table(
        "external_ids",
        sa.Column("system", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("urn", sa.String(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("number", sa.BigInteger()),
    )
    op.create_index("ux_external_ids_name", "external_ids", ["system", "kind", "name"], unique=True)
    op.create_index("ix_external_ids_urn", "external_ids", ["urn"])
    # The experiments the old index held, as rows; the index and its history go.
    conn = op.get_bind()
    row = conn.execute(
        sa.text("SELECT value FROM aspects WHERE urn = :urn AND aspect = :aspect"),
        {"urn": INDEX_URN, "aspect": INDEX_ASPECT},
    ).first()
    if row is not None:
        import json

        index = json.loads(row[0])
        names = {str(i): n for n, i in (index.get("by_name") or {}).items()}
        rows = [
            {
                "system": "mlflow",
                "kind": "experiment",
                "key": str(exp_id),
                "urn": urn,
                "name": names.get(str(exp_id)),
                "number": int(exp_id) if str(exp_id).isdigit() else None,
            }
            for exp_id, urn in (index.get("by_id") or {}).items()
        ]
        if rows:
            op.bulk_insert(sa.table("external_ids", *(sa.column(k) for k in rows[0])), rows)
        for table in ("aspects", "aspect_history"):
            conn.execute(
                sa.text(f"DELETE FROM {table} WHERE urn = :urn AND aspect = :aspect"),
                {"urn": INDEX_URN, "aspect": INDEX_ASPECT},
            )


def downgrade() -> None:
    import json
    import time

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT key, urn, name, number FROM external_ids "
            "WHERE system = 'mlflow' AND kind = 'experiment'"
        )
    ).all()
    if rows:
        index = {
            "next_id": max((r.number or 0) for r in rows) + 1,
            "by_id": {r.key: r.urn for r in rows},
            "by_name": {r.name: r.key for r in rows if r.name is not None},
        }
        now = int(time.time() * 1000)
        exists = conn.execute(
            sa.text("SELECT 1 FROM entities WHERE urn = :urn"), {"urn": INDEX_URN}
        ).first()
        if exists is None:
            conn.execute(
                sa.text(
                    "INSERT INTO entities (urn, entity_type, platform, name, env, removed, "
                    "created_at, updated_at) VALUES (:urn, 'dataPlatform', 'mlflow', 'mlflow', "
                    "NULL, :removed, :now, :now)"
                ),
                {"urn": INDEX_URN, "now": now, "removed": False},
            )
        conn.execute(
            sa.text(
                "INSERT INTO aspects (urn, aspect, version, value, created_at, actor) "
                "VALUES (:urn, :aspect, 1, :value, :now, 'urn:li:corpuser:__migration')"
            ),
            {"urn": INDEX_URN, "aspect": INDEX_ASPECT, "value": json.dumps(index), "now": now},
        )
    op.drop_index("ix_external_ids_urn", table_name="external_ids")
    op.drop_index("ux_external_ids_name", table_name="external_ids")
    op.drop_table("external_ids")
