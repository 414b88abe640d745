"""Entities: read one with its aspects, list them, soft/hard delete and restore.

Included after the aspect and relationship routers: `/{urn:path}` would otherwise
swallow their longer paths."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep, WriteContextDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, BatchOut, EntityOut, EntityPage
from mlgraph.services.entities import entity_summary
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(prefix="/api/v1/entities", tags=["entities"], responses=ERRORS)


def _aspect_list(aspects: str | None) -> list[str] | None:
    if not aspects:
        return None
    return [a.strip() for a in aspects.split(",") if a.strip()]


@router.get("", response_model=EntityPage, name="list_entities")
async def list_entities(
    services: ServicesDep,
    type: Annotated[str | None, Query(description="entity type, e.g. mlModel")] = None,
    platform: Annotated[str | None, Query(description="platform name or URN")] = None,
    env: Annotated[str | None, Query(description="environment, e.g. PROD")] = None,
    include_removed: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    rows, next_cursor = await run_in_threadpool(
        services.entities.page,
        entity_type=type,
        platform=platform,
        env=env,
        include_removed=include_removed,
        cursor=cursor,
        limit=limit,
    )
    return JSONResponse({"entities": [entity_summary(r) for r in rows], "next_cursor": next_cursor})


@router.get("/{urn:path}", response_model=EntityOut, name="get_entity")
async def get_entity(
    urn: str,
    services: ServicesDep,
    aspects: Annotated[
        str | None, Query(description="comma-separated aspect names; all when absent")
    ] = None,
    include_removed: Annotated[
        bool, Query(description="also return a soft-deleted entity")
    ] = False,
) -> JSONResponse:
    view = await run_in_threadpool(
        services.entities.get, urn, _aspect_list(aspects), include_removed=include_removed
    )
    return JSONResponse(view.to_dict())


@router.delete("/{urn:path}", response_model=BatchOut, name="delete_entity")
async def delete_entity(
    urn: str,
    services: ServicesDep,
    ctx: WriteContextDep,
    hard: Annotated[bool, Query(description="remove every trace instead of hiding it")] = False,
) -> JSONResponse:
    result = await run_in_threadpool(
        services.writes.apply_one, Proposal(Op.DELETE_ENTITY, urn, hard=hard), ctx
    )
    return JSONResponse({"results": [result.to_dict()]})


@router.post("/{urn:path}/restore", response_model=BatchOut, name="restore_entity")
async def restore_entity(urn: str, services: ServicesDep, ctx: WriteContextDep) -> JSONResponse:
    result = await run_in_threadpool(
        services.writes.apply_one, Proposal(Op.RESTORE_ENTITY, urn), ctx
    )
    return JSONResponse({"results": [result.to_dict()]})
