"""DataHub-compat fixtures: the app with the DataHub routes in-process (every backend),
and a real uvicorn server that DataHub's own client, from its own venv, talks to."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.runtime import Services
from tests.live import mlgraph_server

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
DATAHUB_PYTHON = ROOT / ".venv-datahub" / "bin" / "python"


@pytest.fixture
def dh(services: Services) -> Iterator[TestClient]:
    """mlgraph's app, which serves the DataHub routes, in process."""
    with TestClient(create_app(services=services)) as client:
        yield client


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """mlgraph (which serves the DataHub routes) under uvicorn on a free loopback port."""
    if not DATAHUB_PYTHON.exists():
        pytest.fail("DataHub's client is not installed; run `make peers` (make test does)")
    with mlgraph_server(tmp_path_factory.mktemp("datahub-live")) as live:
        yield live.url


def run_datahub(script: str, *args: str) -> Any:
    """Run a script under DataHub's own python: its last stdout line as JSON if it is
    JSON, else all of stdout."""
    done = subprocess.run(
        [str(DATAHUB_PYTHON), str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DATAHUB_TELEMETRY_ENABLED": "false"},
    )
    if done.returncode != 0:
        pytest.fail(f"{script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        return json.loads(lines[-1])
    return done.stdout
