"""The app a live test server runs: mlgraph plus the MLflow-compatible routes and the
registry-history route, with settings from MLGRAPH_* environment variables.

    uvicorn --factory tests.compat.mlflow.server_app:create
"""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph.api import registry
from mlgraph.app import create_app
from mlgraph.compat.mlflow.api import router
from mlgraph.config import Settings


def with_mlflow(app: FastAPI) -> FastAPI:
    app.include_router(registry.router)
    app.include_router(router)
    return app


def create() -> FastAPI:
    return with_mlflow(create_app(Settings()))
