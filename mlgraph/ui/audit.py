"""The audit log in the UI (admins): filter by actor, entity, kind and dates, page
through it, and export what the filter selects as JSON Lines or CSV. It reads through
`AuditLog` as the REST API does, with the same `audit` permission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from mlgraph.api.audit import audit_query
from mlgraph.api.caller import principal_of
from mlgraph.api.deps import ServicesDep
from mlgraph.errors import InvalidInput, MlgraphError
from mlgraph.services.audit import KINDS
from mlgraph.store.audit_store import AuditQuery
from mlgraph.ui.templating import error_page, render

router = APIRouter()
PAGE = 100


def _day(text: str, name: str, plus: int = 0) -> int | None:
    """`2026-12-07` as epoch ms at the start of that UTC day (`plus` days later)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: a date as YYYY-MM-DD, not {text[:40]!r}") from None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=plus)
    return int(start.timestamp() * 1000)


def _query(
    actor: str, urn: str, kind: str, since: str, until: str, after: int | None, limit: int
) -> AuditQuery:
    return audit_query(
        actor or None,
        urn or None,
        kind or None,
        _day(since, "since"),
        _day(until, "until", plus=1),  # through the whole of that day
        after,
        limit,
    )


@router.get("/audit", response_class=HTMLResponse, name="ui_audit")
async def audit_page(
    request: Request,
    services: ServicesDep,
    actor: str = "",
    urn: str = "",
    kind: str = "",
    since: str = "",
    until: str = "",
    after: int | None = None,
) -> Response:
    try:
        q = _query(actor, urn, kind, since, until, after, PAGE)
        await run_in_threadpool(services.audit.check_reader, principal_of(request))
        entries = await run_in_threadpool(services.audit.query, q)
    except MlgraphError as exc:
        return error_page(exc)
    filters = {"actor": actor, "urn": urn, "kind": kind, "since": since, "until": until}
    kept = urlencode({k: v for k, v in filters.items() if v})
    more = entries[-1].id if len(entries) == PAGE else None
    return render(
        "audit.html",
        title="Audit log",
        entries=entries,
        filters=filters,
        kinds=sorted(KINDS),
        query=kept,
        more=more,
    )


@router.get("/audit.{fmt}", name="ui_audit_export")
async def audit_export(
    request: Request,
    services: ServicesDep,
    fmt: Literal["jsonl", "csv"],
    actor: str = "",
    urn: str = "",
    kind: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    try:
        q = _query(actor, urn, kind, since, until, None, PAGE)
        await run_in_threadpool(services.audit.check_reader, principal_of(request))
    except MlgraphError as exc:
        return error_page(exc)
    name = f'attachment; filename="mlgraph-audit.{fmt}"'
    if fmt == "jsonl":
        return StreamingResponse(
            services.audit.jsonl(q),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": name},
        )
    return StreamingResponse(
        services.audit.csv(q),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": name},
    )
