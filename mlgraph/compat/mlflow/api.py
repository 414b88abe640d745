"""The MLflow-compatible API: every route the mlflow 3.x client calls for tracking,
the model registry, logged models and the artifact proxy, in MLflow's JSON shapes and
error codes. Include `router` in the app (see tests/compat/mlflow/conftest.py)."""

from __future__ import annotations

from fastapi import APIRouter

from mlgraph.api.responses import JSONResponse
from mlgraph.compat.mlflow import (
    artifacts,
    experiments,
    logged_models,
    registry,
    run_search,
    runs,
    versions,
)
from mlgraph.compat.mlflow.errors import MlflowRoute

_TRACKING = (
    experiments.router,
    run_search.router,
    runs.router,
    registry.router,
    versions.router,
    logged_models.router,
    artifacts.tracking_router,
)

router = APIRouter(route_class=MlflowRoute)
for _prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
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


__all__ = ["router"]
