"""The app the UI tests serve: the REST app with the UI router included, and a
uvicorn factory (`tests.ui.server:create_ui_app`) for the live browser tests.

Includes `mlgraph.ui.router` only when `create_app` does not already (the UI is being
wired into `create_app`; these tests pass either way)."""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph import ui
from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services


def create_ui_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    app = create_app(settings, services)
    if not any(getattr(route, "name", None) == "ui_home" for route in app.routes):
        app.include_router(ui.router)
    return app
