"""The audit log over REST: query by actor, entity, kind and time, a page at a time,
or export it all as JSON Lines or CSV."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from mlgraph.api.caller import principal_of
from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, AuditOut
from mlgraph.errors import InvalidInput
from mlgraph.services.audit import KINDS, as_json
from mlgraph.store.audit_store import AuditQuery

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=ERRORS)
MAX_LIMIT = 1000


def audit_query(
    actor: str | None,
    urn: str | None,
    kind: str | None,
    since: int | None,
    until: int | None,
    after: int | None,
    limit: int,
) -> AuditQuery:
    kinds = tuple(k.strip() for k in (kind or "").split(",") if k.strip())
    unknown = sorted(set(kinds) - KINDS)
    if unknown:
        raise InvalidInput(
            f"kind: unknown {', '.join(unknown)}; the kinds are {', '.join(sorted(KINDS))}"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: between 1 and {MAX_LIMIT}")
    for name, value in (("since", since), ("until", until), ("after", after)):
        if value is not None and value < 0:
            raise InvalidInput(f"{name}: a whole number >= 0")
    return AuditQuery(actor, urn, kinds, since, until, after, limit)


@router.get("/audit", response_model=AuditOut, name="audit_log")
async def audit_log(
    request: Request,
    services: ServicesDep,
    actor: str | None = None,
    urn: str | None = None,
    kind: str | None = None,
    since: int | None = None,
    until: int | None = None,
    after: int | None = None,
    limit: int = 100,
    format: Literal["json", "jsonl", "csv"] = "json",
) -> JSONResponse | StreamingResponse:
    """Audit entries, oldest first: filter by `actor` (a user URN), `urn` (an entity),
    `kind` (comma-separated: write, sign_in_failed, token_created, permission_denied,
    approval_approved, ...), `since`/`until` (epoch ms). Page with `after` (the last
    id seen; `next` gives it). `format=jsonl` or `csv` streams every match (admins)."""
    q = audit_query(actor, urn, kind, since, until, after, limit)
    audit = services.audit
    who = principal_of(request)
    await run_in_threadpool(audit.check_reader, who)
    if format == "jsonl":
        return StreamingResponse(
            audit.jsonl(q),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="mlgraph-audit.jsonl"'},
        )
    if format == "csv":
        return StreamingResponse(
            audit.csv(q),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="mlgraph-audit.csv"'},
        )
    entries = await run_in_threadpool(audit.query, q)
    body = [as_json(e) for e in entries]
    more = len(entries) == q.limit
    return JSONResponse({"entries": body, "next": entries[-1].id if more and entries else None})
