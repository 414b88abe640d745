"""Aspects of one entity: read (latest or a version), put, patch, delete, history, diff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep, WriteContextDep, json_body
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import (
    ERRORS,
    AspectDiff,
    AspectVersion,
    BatchOut,
    HistoryOut,
    MetricHistoryOut,
)
from mlgraph.errors import BadRequest
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(prefix="/api/v1/entities", tags=["aspects"], responses=ERRORS)

ExpectedVersion = Annotated[
    int | None,
    Query(ge=0, description="write only if the stored version is this (0: must not exist)"),
]
JsonBody = Annotated[Any, Depends(json_body)]


@router.get(
    "/{urn:path}/aspects/{aspect}/history", response_model=HistoryOut, name="aspect_history"
)
async def aspect_history(
    urn: str,
    aspect: str,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, description="only versions below this")] = None,
) -> JSONResponse:
    versions = await run_in_threadpool(
        services.entities.history, urn, aspect, limit=limit, before=before
    )
    return JSONResponse({"urn": urn, "aspect": aspect, "versions": [v.to_dict() for v in versions]})


@router.get("/{urn:path}/aspects/{aspect}/diff", response_model=AspectDiff, name="aspect_diff")
async def aspect_diff(
    urn: str,
    aspect: str,
    services: ServicesDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> JSONResponse:
    changes = await run_in_threadpool(services.entities.diff, urn, aspect, from_version, to_version)
    return JSONResponse(
        {
            "urn": urn,
            "aspect": aspect,
            "from_version": from_version,
            "to_version": to_version,
            "changes": [c.to_dict() for c in changes],
        }
    )


@router.get("/{urn:path}/aspects/{aspect}", response_model=AspectVersion, name="get_aspect")
async def get_aspect(
    urn: str,
    aspect: str,
    services: ServicesDep,
    version: Annotated[
        int | None, Query(ge=1, description="a past version; latest when absent")
    ] = None,
) -> JSONResponse:
    view = await run_in_threadpool(services.entities.aspect, urn, aspect, version)
    return JSONResponse({"urn": urn, "aspect": aspect, **view.to_dict()})


async def _write(services: Any, proposal: Proposal, ctx: Any) -> JSONResponse:
    result = await run_in_threadpool(services.writes.apply_one, proposal, ctx)
    return JSONResponse({"results": [result.to_dict()]})


@router.put(
    "/{urn:path}/aspects/{aspect}",
    response_model=BatchOut,
    name="put_aspect",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def put_aspect(
    urn: str,
    aspect: str,
    services: ServicesDep,
    ctx: WriteContextDep,
    body: JsonBody,
    expected_version: ExpectedVersion = None,
) -> JSONResponse:
    """Replace the aspect with the JSON body (the aspect's value)."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be the aspect's value, a JSON object")
    return await _write(
        services,
        Proposal(Op.UPSERT, urn, aspect, value=body, expected_version=expected_version),
        ctx,
    )


@router.patch(
    "/{urn:path}/aspects/{aspect}",
    response_model=BatchOut,
    name="patch_aspect",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json-patch+json": {
                    "schema": {"type": "array", "items": {"type": "object"}}
                }
            },
        }
    },
)
async def patch_aspect(
    urn: str,
    aspect: str,
    services: ServicesDep,
    ctx: WriteContextDep,
    body: JsonBody,
    expected_version: ExpectedVersion = None,
) -> JSONResponse:
    """Apply an RFC 6902 JSON Patch (a list of operations) to the aspect."""
    if not (isinstance(body, list) and all(isinstance(op, dict) for op in body)):
        raise BadRequest("the body must be a JSON Patch: a list of operation objects")
    return await _write(
        services,
        Proposal(Op.PATCH, urn, aspect, patch=body, expected_version=expected_version),
        ctx,
    )


@router.delete("/{urn:path}/aspects/{aspect}", response_model=BatchOut, name="delete_aspect")
async def delete_aspect(
    urn: str,
    aspect: str,
    services: ServicesDep,
    ctx: WriteContextDep,
    expected_version: ExpectedVersion = None,
) -> JSONResponse:
    return await _write(
        services, Proposal(Op.DELETE_ASPECT, urn, aspect, expected_version=expected_version), ctx
    )


@router.get(
    "/{urn:path}/metrics/{key}/history", response_model=MetricHistoryOut, name="metric_history"
)
async def metric_history(
    urn: str,
    key: str,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=25_000)] = 1000,
    cursor: str | None = None,
) -> JSONResponse:
    """Every logged point of one metric of a run (append with `append_metrics`)."""
    points, nxt = await run_in_threadpool(
        services.entities.metric_history, urn, key, cursor=cursor, limit=limit
    )
    return JSONResponse({"urn": urn, "key": key, "points": points, "next_cursor": nxt})
