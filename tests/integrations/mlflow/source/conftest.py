"""A real `mlflow server` (sqlite, one worker) for the module, populated by scripts
run with the mlflow venv's own Python, and an SDK client over the in-process app."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlgraph.sdk import Client
from tests.live import mlflow_server as live_mlflow

ROOT = Path(__file__).resolve().parents[4]
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_BIN = MLFLOW_VENV / "bin" / "mlflow"
MLFLOW_PY = MLFLOW_VENV / "bin" / "python"
SEED = Path(__file__).with_name("mlflow_seed.py")


class MlflowServer:
    def __init__(self, url: str, home: Path) -> None:
        self.url = url
        self.home = home

    def seed(self, *args: str) -> dict[str, list[str]]:
        """Run the seed script (`first`, or `more LABEL`); the ids it made."""
        done = subprocess.run(
            [str(MLFLOW_PY), str(SEED), self.url, *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.home,
            env={**os.environ, "MLFLOW_TRACKING_URI": self.url, "GIT_PYTHON_REFRESH": "quiet"},
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        made: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
        return made


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A fresh MLflow server holding seed 004's experiment, runs and registered model."""
    home = tmp_path_factory.mktemp("mlflow")
    with live_mlflow(MLFLOW_BIN, home) as live:
        server = MlflowServer(live.url, home)
        server.seed("first")
        yield server


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client, actor="urn:li:corpuser:mlflow_ingest") as c:
        yield c
