"""Seed 004's questions as calls: training data, impact, endpoints, ancestry, approval,
and the lineage diff of two models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import (
    ERRORS,
    Approval,
    ComparisonOut,
    EndpointsOut,
    Impact,
    Lineage,
    TrainingDataOut,
)

router = APIRouter(prefix="/api/v1", tags=["provenance"], responses=ERRORS)


@router.get("/training-data/{urn:path}", response_model=TrainingDataOut, name="training_data")
async def training_data(urn: str, services: ServicesDep) -> JSONResponse:
    """Which datasets trained (and evaluated) this model, deployment or model group."""
    return JSONResponse(await run_in_threadpool(services.provenance.training_data, urn))


@router.get("/impact/{urn:path}", response_model=Impact, name="impact")
async def impact(urn: str, services: ServicesDep) -> JSONResponse:
    """Every model, deployment, dashboard and dataset downstream, grouped by type, with
    owners: whom to tell before changing this dataset or column."""
    return JSONResponse(await run_in_threadpool(services.provenance.impact, urn))


@router.get("/endpoints/{urn:path}", response_model=EndpointsOut, name="endpoints")
async def endpoints(urn: str, services: ServicesDep) -> JSONResponse:
    """The deployments serving a model."""
    found: list[dict[str, Any]] = await run_in_threadpool(services.provenance.endpoints, urn)
    return JSONResponse({"urn": urn, "endpoints": found})


@router.get("/ancestry/{urn:path}", response_model=Lineage, name="ancestry")
async def ancestry(urn: str, services: ServicesDep) -> JSONResponse:
    """The full upstream lineage of a deployment (or anything), in one call."""
    result = await run_in_threadpool(services.provenance.ancestry, urn)
    return JSONResponse(result.to_dict())


@router.get("/approval/{urn:path}", response_model=Approval, name="approval")
async def approval(urn: str, services: ServicesDep) -> JSONResponse:
    """Is this model approved for production — from the approval records: who approved
    it, when, on what evidence, and whether that still holds (not Archived, deprecated
    or superseded) — and if not, why not."""
    return JSONResponse(await run_in_threadpool(services.approvals.status, urn))


@router.get("/compare", response_model=ComparisonOut, name="compare_models")
async def compare_models(
    services: ServicesDep,
    a: Annotated[str, Query(description="URN of the first model (e.g. the last good one)")],
    b: Annotated[str, Query(description="URN of the second model")],
) -> JSONResponse:
    """Lineage diff of two models: datasets and versions, features, hyperparameters,
    metrics, source code and commit, training-run parameters, deployments."""
    return JSONResponse(await run_in_threadpool(services.comparison.compare, a, b))
