"""The audit log (append-only: triggers refuse UPDATE and DELETE) and approval requests.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_REFUSE = "the audit log is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(512), nullable=False),
        sa.Column("token_id", sa.String(32)),
        sa.Column("door", sa.String(32)),
        sa.Column("address", sa.String(64)),
        sa.Column("urn", sa.String()),
        sa.Column("aspect", sa.String(255)),
        sa.Column("version_before", sa.BigInteger()),
        sa.Column("version_after", sa.BigInteger()),
        sa.Column("detail", sa.Text()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "id"])
    op.create_index("ix_audit_log_urn", "audit_log", ["urn", "id"])
    op.create_index("ix_audit_log_kind", "audit_log", ["kind", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
            )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_urn", sa.String(512), nullable=False),
        sa.Column("group_urn", sa.String(512)),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("requester", sa.String(512), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(512)),
        sa.Column("decided_at", sa.BigInteger()),
        sa.Column("decision_comment", sa.Text()),
        sa.Column("applied_at", sa.BigInteger()),
    )
    op.create_index("ix_approval_requests_model", "approval_requests", ["model_urn", "target"])
    op.create_index("ix_approval_requests_state", "approval_requests", ["state", "created_at"])


def downgrade() -> None:
    op.drop_table("approval_requests")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
