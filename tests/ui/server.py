"""The app the UI tests serve: the REST app plus the UI router, the wiring
`create_app` will do itself once the UI is mounted there. Also a uvicorn factory
(`tests.ui.server:create_ui_app`) for the live browser tests."""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph import ui
from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services


def create_ui_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    app = create_app(settings, services)
    app.include_router(ui.router)
    return app
