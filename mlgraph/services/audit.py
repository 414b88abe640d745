"""The audit log: every write and every security event, as an append-only record of who
(user and token), through which door, from which address, did what, when.

Writes are recorded by the write path itself, in the write's own transaction
(`WriteService`), so an entry exists exactly when its change does. Security events
(sign-in, failed sign-in, tokens, refusals, approvals, users and roles) are recorded
here by the services that handle them. Nothing updates or deletes an entry; a hard
delete of an entity leaves its entries.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import orjson

from mlgraph.errors import MlgraphError
from mlgraph.services.access import require
from mlgraph.services.principal import Permission, Principal
from mlgraph.services.proposals import WriteContext
from mlgraph.store.audit_store import AuditEntry, AuditQuery, AuditStore


class AuditKind(StrEnum):
    WRITE = "write"  # an aspect changed: version_before -> version_after
    HARD_DELETE = "hard_delete"
    METRICS = "metrics"  # points appended to a run's metric history
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    TOKEN_CREATED = "token_created"
    TOKEN_USED = "token_used"  # first use in each flush window (services/identity.py)
    TOKEN_REVOKED = "token_revoked"
    PERMISSION_DENIED = "permission_denied"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"  # password set, disabled or enabled
    ROLES_CHANGED = "roles_changed"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_APPROVED = "approval_approved"
    APPROVAL_REJECTED = "approval_rejected"
    APPROVAL_WITHDRAWN = "approval_withdrawn"
    APPROVAL_APPLIED = "approval_applied"  # the move an approval allowed was made


KINDS = frozenset(k.value for k in AuditKind)
CSV_FIELDS = (
    "id",
    "at",
    "kind",
    "actor",
    "token_id",
    "door",
    "address",
    "urn",
    "aspect",
    "version_before",
    "version_after",
    "detail",
)


def entry(
    kind: AuditKind,
    ctx: WriteContext,
    at: int,
    *,
    urn: str | None = None,
    aspect: str | None = None,
    before: int | None = None,
    after: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """An entry for something done under `ctx` (a write's context, or one built for a
    security event)."""
    who = ctx.principal
    return AuditEntry(
        at=at,
        kind=str(kind),
        actor=ctx.actor,
        token_id=who.token_id if who else None,
        door=str(ctx.door),
        address=ctx.address,
        urn=urn,
        aspect=aspect,
        version_before=before,
        version_after=after,
        detail=detail,
    )


def as_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "kind": e.kind,
        "actor": e.actor,
        "token_id": e.token_id,
        "door": e.door,
        "address": e.address,
        "urn": e.urn,
        "aspect": e.aspect,
        "version_before": e.version_before,
        "version_after": e.version_after,
        "detail": e.detail,
    }


class AuditLog:
    def __init__(self, store: AuditStore) -> None:
        self.store = store

    def record(
        self,
        kind: AuditKind,
        ctx: WriteContext,
        at: int,
        *,
        urn: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.store.append([entry(kind, ctx, at, urn=urn, detail=detail)])

    def denied(self, ctx: WriteContext, error: MlgraphError, at: int) -> None:
        """A refused write or operation: what was missing, on what."""
        details = dict(error.details or {})
        urn = details.pop("urn", None)
        detail = {"message": error.message, **details}
        self.store.append([entry(AuditKind.PERMISSION_DENIED, ctx, at, urn=urn, detail=detail)])

    def check_reader(self, who: Principal | None) -> None:
        """Reading the audit log takes the `audit` permission (admins), with auth on."""
        try:
            require(who, Permission.AUDIT, "only admins read the audit log")
        except MlgraphError as exc:
            if who is not None and who.authenticated:
                ctx = WriteContext(actor=who.urn, principal=who)
                self.denied(ctx, exc, int(time.time() * 1000))
            raise

    def query(self, q: AuditQuery) -> list[AuditEntry]:
        return self.store.query(q)

    def jsonl(self, q: AuditQuery) -> Iterator[bytes]:
        for e in self.store.scan(q):
            yield orjson.dumps(as_json(e)) + b"\n"

    def csv(self, q: AuditQuery) -> Iterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow(CSV_FIELDS)
        for e in self.store.scan(q):
            row = as_json(e)
            row["detail"] = orjson.dumps(e.detail).decode() if e.detail is not None else ""
            out.writerow(["" if row[f] is None else row[f] for f in CSV_FIELDS])
            if buf.tell() > 64 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()
