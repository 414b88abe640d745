"""Relationships of one entity, outgoing (declared by its aspects) and incoming."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, RelationshipsOut

router = APIRouter(prefix="/api/v1/entities", tags=["relationships"], responses=ERRORS)


@router.get("/{urn:path}/relationships", response_model=RelationshipsOut, name="get_relationships")
async def get_relationships(
    urn: str,
    services: ServicesDep,
    direction: Annotated[str, Query(description="outgoing, incoming or both")] = "both",
    types: Annotated[str | None, Query(description="comma-separated relationship names")] = None,
) -> JSONResponse:
    rels = [t.strip() for t in types.split(",") if t.strip()] if types else None
    found = await run_in_threadpool(
        services.entities.relationships, urn, direction=direction, types=rels
    )
    return JSONResponse({"urn": urn, "relationships": found})
