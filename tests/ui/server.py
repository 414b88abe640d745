"""The uvicorn factory (`tests.ui.server:create_ui_app`) the live browser tests serve:
mlgraph's own app, which includes the UI."""

from __future__ import annotations

from fastapi import FastAPI

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services


def create_ui_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    return create_app(settings, services)
