"""Lineage walks from any entity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, LineagePage
from mlgraph.errors import InvalidInput
from mlgraph.services.entities import decode_cursor, encode_cursor
from mlgraph.services.lineage import LineageQuery

router = APIRouter(prefix="/api/v1/lineage", tags=["lineage"], responses=ERRORS)


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(v.strip() for v in value.split(",") if v.strip()) if value else frozenset()


@router.get("/{urn:path}", response_model=LineagePage, name="get_lineage")
async def get_lineage(
    urn: str,
    services: ServicesDep,
    direction: Annotated[str, Query(description="upstream, downstream or both")] = "upstream",
    depth: Annotated[int, Query(ge=0, le=100, description="hops; 0 for the whole graph")] = 1,
    types: Annotated[
        str | None, Query(description="comma-separated entity types to return")
    ] = None,
    platforms: Annotated[
        str | None, Query(description="comma-separated platforms to return")
    ] = None,
    containment: Annotated[
        bool, Query(description="also follow experiment/container membership")
    ] = False,
    max_nodes: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
    limit: Annotated[int, Query(ge=1, le=10_000, description="nodes per page")] = 1000,
    cursor: str | None = None,
) -> JSONResponse:
    """Nodes (with degree and the shortest paths reaching them), the edges between
    them, and `truncated` when a limit stopped the walk."""
    query = LineageQuery(
        urn=urn,
        direction=direction,
        depth=depth,
        types=_csv(types),
        platforms=_csv(platforms),
        containment=containment,
        max_nodes=max_nodes,
    )
    result = await run_in_threadpool(services.lineage.walk, query)
    start = 0
    if cursor:
        raw = decode_cursor(cursor)
        if not raw.startswith("o:") or not raw[2:].isdigit():
            raise InvalidInput(f"cursor {cursor!r} is not one this server issued")
        start = int(raw[2:])
    page = result.nodes[start : start + limit]
    shown = {n.urn for n in page} | {urn}
    body = result.to_dict()
    body["nodes"] = [n.to_dict() for n in page]
    body["edges"] = [e for e in body["edges"] if e["upstream"] in shown or e["downstream"] in shown]
    body["total"] = len(result.nodes)
    body["next_cursor"] = (
        encode_cursor(f"o:{start + limit}") if start + limit < len(result.nodes) else None
    )
    return JSONResponse(body)
