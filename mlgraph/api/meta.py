"""The service itself: health, entity counts, and the metadata model declaration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from mlgraph import __version__
from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import HealthOut, ModelOut, StatsOut
from mlgraph.model.describe import describe_model

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=HealthOut, name="health")
async def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get("/api/v1/stats", response_model=StatsOut, name="stats")
async def stats(services: ServicesDep) -> JSONResponse:
    counts = await run_in_threadpool(services.entities.counts)
    return JSONResponse({"entities": counts, "total": sum(counts.values())})


@router.get("/api/v1/model", response_model=ModelOut, name="get_model")
async def get_model() -> JSONResponse:
    """Every entity type, its URN key and aspects; every aspect's JSON schema and relationships."""
    return JSONResponse(describe_model())
