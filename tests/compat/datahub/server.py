"""The app a live DataHub-client test serves: mlgraph (which serves the DataHub routes)
(`uvicorn --factory tests.compat.datahub.server:create_app`), settings from MLGRAPH_*."""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph.app import create_app as create_mlgraph_app


def create_app() -> FastAPI:
    return create_mlgraph_app()
