"""The MLflow-compatible API: every route the mlflow 3.x client calls for tracking,
the model registry, logged models and the artifact proxy, in MLflow's JSON shapes and
error codes. `install(app)` adds it to the app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from mlgraph.api.responses import JSONResponse
from mlgraph.integrations.mlflow.server import (
    artifacts,
    experiments,
    logged_models,
    registry,
    run_search,
    runs,
    versions,
)
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, error_response
from mlgraph.integrations.mlflow.server.messages import Endpoint

_TRACKING = (
    experiments.router,
    run_search.router,
    runs.router,
    registry.router,
    versions.router,
    logged_models.router,
    artifacts.tracking_router,
)

_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
router = APIRouter(route_class=MlflowRoute)
for _prefix in _PREFIXES:
    for _module_router in _TRACKING:
        router.include_router(_module_router, prefix=_prefix)
router.include_router(artifacts.router, prefix="/api/2.0/mlflow-artifacts")
router.include_router(artifacts.router, prefix="/ajax-api/2.0/mlflow-artifacts")


@router.get("/api/3.0/mlflow/server-info", include_in_schema=False)
async def server_info() -> JSONResponse:
    """Multipart and presigned artifact transfers are off: the client uses plain PUT/GET."""
    return JSONResponse(
        {
            "store_type": "SqlStore",
            "workspaces_enabled": False,
            "multipart_uploads_enabled": False,
            "multipart_downloads_enabled": False,
        }
    )


class StaticRoutes(BaseRoute):
    """The MLflow routes without path parameters, found by one dict lookup on the
    path. Matching them through the included routers costs a regex per route of the
    whole app, on every one of the client's requests; routes with path parameters
    (logged models, artifacts) still go through `router`."""

    def __init__(self) -> None:
        self.endpoints: dict[str, dict[str, Endpoint]] = {}
        for prefix in _PREFIXES:
            for module_router in _TRACKING:
                for r in module_router.routes:
                    # `messages.route` endpoints only: they take the request alone
                    if (
                        isinstance(r, APIRoute)
                        and "{" not in r.path
                        and r.name.startswith("mlflow_")
                    ):
                        methods = self.endpoints.setdefault(prefix + r.path, {})
                        methods.update(dict.fromkeys(r.methods or (), r.endpoint))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        methods = self.endpoints.get(get_route_path(scope))
        if methods is None or scope["method"] not in methods:
            return Match.NONE, {}  # other methods: `router` answers them as before
        return Match.FULL, {"endpoint": methods[scope["method"]], "path_params": {}}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """These routes are reached by path, never by name: let `url_for` look on."""
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await scope["endpoint"](request)
        except Exception as exc:  # as MlflowRoute does: MLflow's error shape, always
            response = error_response(exc, request)
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Serve the MLflow API: its static routes first, everything else through `router`."""
    app.router.routes.insert(0, StaticRoutes())
    app.include_router(router)


__all__ = ["install", "router"]
