"""DataHub-compat fixtures: the app with the DataHub routes in-process (every backend),
and a real uvicorn server that DataHub's own client, from its own venv, talks to."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.runtime import Services

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
DATAHUB_PYTHON = ROOT / ".venv-datahub" / "bin" / "python"


@pytest.fixture
def dh(services: Services) -> Iterator[TestClient]:
    """mlgraph's app with the DataHub routes, as `app.py` will include them."""
    with TestClient(create_app(services=services)) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn serving mlgraph plus the DataHub routes on a free loopback port."""
    if not DATAHUB_PYTHON.exists():
        pytest.fail("DataHub's client is not installed; run `make peers` (make test does)")
    data_dir = tmp_path_factory.mktemp("datahub-live")
    port = _free_port()
    env = {**os.environ, "MLGRAPH_DATA_DIR": str(data_dir), "MLGRAPH_ENVIRONMENT": "test"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *sys.path])
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.compat.datahub.server:create_app",
    ]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=data_dir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer /health within 30s:\n{log.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
