"""Model registry governance over mlgraph's own REST API: the registry history of a
model version or group (stage and alias moves with actor and time)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from mlgraph.api import schemas
from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["registry"], responses=ERRORS)


@router.get(
    "/models/{urn:path}/registry-history",
    response_model=schemas.RegistryHistoryOut,
    name="registry_history",
)
async def registry_history(urn: str, services: ServicesDep) -> JSONResponse:
    """Every stage transition and alias move of a model version (or of all versions of
    a model group), oldest first: `{time, actor, kind: stage|alias, from, to}`."""
    events = await run_in_threadpool(services.registry.history, urn)
    return JSONResponse({"urn": urn, "events": events})
