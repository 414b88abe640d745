"""MLflow-compat fixtures: the app with the MLflow routes in-process (every backend),
a live uvicorn server on 127.0.0.1 for the real mlflow client (one per module), and a
real `mlflow server` to compare answers with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.runtime import Services
from tests.live import mlflow_server, mlgraph_server

ROOT = Path(__file__).resolve().parents[3]
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"
MLFLOW_BIN = MLFLOW_PYTHON.with_name("mlflow")


@pytest.fixture
def mlflow_app(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as c:
        yield c


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """mlgraph under uvicorn, its own data dir, for the real mlflow client."""
    with mlgraph_server(tmp_path_factory.mktemp("mlflow-live"), required_run_tags="[]") as live:
        yield live.url


@pytest.fixture(scope="module")
def mlflow_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real, empty `mlflow server` on 127.0.0.1, to compare answers with."""
    with mlflow_server(MLFLOW_BIN, tmp_path_factory.mktemp("mlflow-peer")) as live:
        yield live.url
