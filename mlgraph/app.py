"""`create_app(settings)`: the ASGI application, and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.responses import Response

from mlgraph import __version__, graphql, ui
from mlgraph.api import (
    approvals,
    aspects,
    audit,
    entities,
    errors,
    identity,
    lineage,
    meta,
    proposals,
    provenance,
    registry,
    relationships,
    search,
)
from mlgraph.api.caller import Authenticate
from mlgraph.api.errors import error_response as rest_error
from mlgraph.api.limits import BodyLimit
from mlgraph.api.responses import JSONResponse
from mlgraph.config import Settings
from mlgraph.errors import MlgraphError
from mlgraph.graphql.errors import request_error as graphql_error
from mlgraph.integrations.datahub.api import datahub_error
from mlgraph.integrations.datahub.api import router as datahub_router
from mlgraph.integrations.mlflow.server import api as mlflow_api
from mlgraph.integrations.mlflow.server.errors import error_response as mlflow_error
from mlgraph.runtime import Services, build_services
from mlgraph.services.proposals import Door
from mlgraph.ui import signin
from mlgraph.ui.forms import PageContext

MLFLOW_PATHS = ("/api/2.0/mlflow", "/ajax-api/", "/api/2.0/mlflow-artifacts")
DATAHUB_PATHS = ("/config", "/aspects", "/entitiesV2", "/entities", "/openapi/")


def _door_error(request: HTTPConnection, exc: MlgraphError) -> Response:
    """An error raised before any door ran (the caller's credentials), in the shape of
    the door the request was for."""
    path = request.url.path
    if path.startswith(MLFLOW_PATHS):
        return mlflow_error(exc, request)  # type: ignore[arg-type]
    if path.startswith("/api/graphql"):
        return JSONResponse(graphql_error(exc.message, exc.code), status_code=exc.status)
    if path.startswith(DATAHUB_PATHS):
        return datahub_error(exc.status, exc.message)
    if path.startswith("/api/"):
        return rest_error(exc.status, exc.code, exc.message, exc.details)
    return signin.refusal(request, exc)


def _door_of(path: str) -> Door:
    """Which door a request is for, by its path (for the audit log)."""
    if path.startswith(MLFLOW_PATHS):
        return Door.MLFLOW
    if path.startswith(DATAHUB_PATHS):
        return Door.DATAHUB
    if path.startswith("/api/"):
        return Door.REST
    return Door.UI


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. Given `services`, the caller owns them; otherwise the app builds
    its own from `settings` at startup and closes them at shutdown."""
    settings = settings or (services.settings if services else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or build_services(settings)
        try:
            yield
        finally:
            if own:
                app.state.services.close()

    app = FastAPI(
        title="mlgraph",
        version=__version__,
        description="ML metadata catalog and lineage service.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    if services is not None:
        app.state.services = services
    errors.install(app)
    # Order matters: the longer /entities/{urn}/... paths before /entities/{urn}.
    for module in (
        meta,
        identity,
        approvals,
        audit,
        proposals,
        search,
        lineage,
        provenance,
        registry,
        aspects,
        relationships,
        entities,
    ):
        app.include_router(module.router)
    app.include_router(graphql.router)  # /api/graphql
    mlflow_api.install(app)  # /api/2.0/mlflow/..., /ajax-api/..., artifacts
    app.include_router(datahub_router)  # DataHub GMS paths at the root: /config, /aspects
    app.include_router(ui.router)  # /, /search, /entity/..., /lineage/..., /static/...
    app.add_middleware(PageContext, is_ui=lambda path: _door_of(path) is Door.UI)
    app.add_middleware(Authenticate, shape=_door_error, door_of=_door_of)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        # Model artifacts are files, not metadata: they get their own, larger limit.
        exempt={
            "/api/2.0/mlflow-artifacts/": settings.max_artifact_bytes,
            "/ajax-api/2.0/mlflow-artifacts/": settings.max_artifact_bytes,
        },
    )
    return app
