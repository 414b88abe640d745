"""The app a live DataHub-client test serves: mlgraph with the DataHub routes included
(`uvicorn --factory tests.compat.datahub.server:create_app`), settings from MLGRAPH_*."""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph.app import create_app as create_mlgraph_app
from mlgraph.compat.datahub.api import router


def create_app() -> FastAPI:
    app = create_mlgraph_app()
    app.include_router(router)
    return app
