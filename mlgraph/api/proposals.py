"""Batches of proposals: applied all together or not at all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep, WriteContextDep, json_body
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, BatchOut
from mlgraph.errors import BadRequest
from mlgraph.services.proposals import Proposal

router = APIRouter(prefix="/api/v1", tags=["proposals"], responses=ERRORS)

MAX_PROPOSALS = 10_000

_BODY_SCHEMA = {
    "type": "object",
    "required": ["proposals"],
    "properties": {
        "proposals": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["urn"],
                "properties": {
                    "op": {
                        "enum": [
                            "upsert",
                            "patch",
                            "delete_aspect",
                            "delete_entity",
                            "restore_entity",
                            "append_metrics",
                        ]
                    },
                    "urn": {"type": "string"},
                    "aspect": {"type": "string"},
                    "value": {"type": "object"},
                    "patch": {"type": "array", "items": {"type": "object"}},
                    "expected_version": {"type": "integer", "minimum": 0},
                    "hard": {"type": "boolean"},
                },
            },
        }
    },
}


@router.post(
    "/proposals",
    response_model=BatchOut,
    name="apply_proposals",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}
    },
)
async def apply_proposals(
    services: ServicesDep, ctx: WriteContextDep, body: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Apply a batch: every proposal is checked first, then all are written in one
    transaction. One bad proposal fails the whole batch with its index in the message."""
    if not isinstance(body, dict) or not isinstance(body.get("proposals"), list):
        raise BadRequest('the body must be {"proposals": [...]}')
    raw = body["proposals"]
    if len(raw) > MAX_PROPOSALS:
        raise BadRequest(f"a batch holds at most {MAX_PROPOSALS} proposals; got {len(raw)}")
    proposals = [Proposal.from_json(p, f"proposals[{i}]") for i, p in enumerate(raw)]
    results = await run_in_threadpool(services.writes.apply, proposals, ctx)
    return JSONResponse({"results": [r.to_dict() for r in results]})
