"""The app a live test server runs: mlgraph (with its MLflow-compatible routes), with
settings from MLGRAPH_* environment variables.

    uvicorn --factory tests.compat.mlflow.server_app:create
"""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph.app import create_app
from mlgraph.config import Settings


def with_mlflow(app: FastAPI) -> FastAPI:
    """mlgraph's app already serves the MLflow and registry routes."""
    return app


def create() -> FastAPI:
    return create_app(Settings())
