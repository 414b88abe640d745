"""Approval requests (`approval_requests`): SQL only. Who may decide one, and what a
request allows, live in `services/approvals.py`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from mlgraph.store.audit_store import AuditEntry, append
from mlgraph.store.engine import Engines
from mlgraph.store.schema import approval_requests

R = approval_requests.c


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    id: str
    model_urn: str
    group_urn: str | None
    target: str  # "stage:Production" or "alias:champion"
    requester: str
    comment: str | None
    evidence: list[dict[str, str]]
    state: str  # pending, approved, rejected, withdrawn
    created_at: int
    expires_at: int
    decided_by: str | None = None
    decided_at: int | None = None
    decision_comment: str | None = None
    applied_at: int | None = None


def _row(r: Any) -> ApprovalRow:
    return ApprovalRow(
        id=r.id,
        model_urn=r.model_urn,
        group_urn=r.group_urn,
        target=r.target,
        requester=r.requester,
        comment=r.comment,
        evidence=orjson.loads(r.evidence),
        state=r.state,
        created_at=r.created_at,
        expires_at=r.expires_at,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decision_comment=r.decision_comment,
        applied_at=r.applied_at,
    )


def usable(conn: Connection, model_urn: str, target: str, now: int) -> ApprovalRow | None:
    """The approved, not yet used request that allows `model_urn` into `target`, read
    inside the caller's transaction."""
    stmt = (
        select(approval_requests)
        .where(
            R.model_urn == model_urn,
            R.target == target,
            R.state == "approved",
            R.applied_at.is_(None),
            R.expires_at > now,
        )
        .order_by(R.decided_at.desc())
        .limit(1)
    )
    r = conn.execute(stmt).first()
    return _row(r) if r else None


def mark_applied(conn: Connection, request_id: str, now: int) -> None:
    conn.execute(update(approval_requests).where(R.id == request_id).values(applied_at=now))


class ApprovalStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def add(self, row: ApprovalRow, audit: AuditEntry) -> None:
        with self.engines.writing() as conn:
            append(conn, [audit])
            conn.execute(
                insert(approval_requests).values(
                    id=row.id,
                    model_urn=row.model_urn,
                    group_urn=row.group_urn,
                    target=row.target,
                    requester=row.requester,
                    comment=row.comment,
                    evidence=orjson.dumps(row.evidence).decode(),
                    state=row.state,
                    created_at=row.created_at,
                    expires_at=row.expires_at,
                )
            )

    def get(self, request_id: str) -> ApprovalRow | None:
        with self.engines.reading() as conn:
            r = conn.execute(select(approval_requests).where(R.id == request_id)).first()
        return _row(r) if r else None

    def list(
        self,
        *,
        states: Sequence[str] = (),
        models: Sequence[str] = (),
        requester: str | None = None,
        limit: int = 200,
    ) -> list[ApprovalRow]:
        """Newest first."""
        stmt = select(approval_requests).order_by(R.created_at.desc(), R.id).limit(limit)
        if states:
            stmt = stmt.where(R.state.in_(list(states)))
        if models:
            stmt = stmt.where(R.model_urn.in_(list(models)))
        if requester:
            stmt = stmt.where(R.requester == requester)
        with self.engines.reading() as conn:
            return [_row(r) for r in conn.execute(stmt)]

    def decide(
        self,
        request_id: str,
        *,
        from_state: str,
        to_state: str,
        by: str,
        now: int,
        comment: str | None,
        audit: AuditEntry,
    ) -> bool:
        """Move a request from `from_state` to `to_state`; False if it was no longer in
        `from_state` (someone decided it first). The audit entry is written with the decision."""
        with self.engines.writing() as conn:
            done = conn.execute(
                update(approval_requests)
                .where(R.id == request_id, R.state == from_state)
                .values(state=to_state, decided_by=by, decided_at=now, decision_comment=comment)
            )
            if done.rowcount == 0:
                return False
            append(conn, [audit])
            return True
