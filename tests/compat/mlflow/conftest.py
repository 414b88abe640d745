"""MLflow-compat fixtures: the app with the MLflow routes in-process (every backend),
a live uvicorn server on 127.0.0.1 for the real mlflow client (one per module), and a
real `mlflow server` to compare answers with."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.runtime import Services
from tests.compat.mlflow.server_app import with_mlflow

ROOT = Path(__file__).resolve().parents[3]
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"


@pytest.fixture
def mlflow_app(services: Services) -> Iterator[TestClient]:
    with TestClient(with_mlflow(create_app(services=services))) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn serving the app, its own data dir, stopped by PID at the end."""
    data_dir = tmp_path_factory.mktemp("mlflow-live")
    port = _free_port()
    env = {
        **os.environ,
        "MLGRAPH_DATA_DIR": str(data_dir),
        "MLGRAPH_DATABASE_URL": "",
        "MLGRAPH_ENVIRONMENT": "test",
        "MLGRAPH_REQUIRED_RUN_TAGS": "[]",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tests.compat.mlflow.server_app:create"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited: {(data_dir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not answer within 30s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def mlflow_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real, empty `mlflow server` (SQLite backend, one worker) on 127.0.0.1."""
    if not (MLFLOW_PYTHON.parent.parent / ".installed").exists():
        pytest.fail("the mlflow peer venv is missing: run `make peers` (make test does)")
    home = tmp_path_factory.mktemp("mlflow-peer")
    port = _free_port()
    cmd = [str(MLFLOW_PYTHON.parent / "mlflow"), "server", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}"]
    cmd += ["--default-artifact-root", str(home / "artifacts"), "--workers", "1"]
    log = (home / "server.log").open("wb")
    # its own process group, so the job runner it starts ends with it
    proc = subprocess.Popen(
        cmd, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"mlflow server did not start: {(home / 'server.log').read_text()[-3000:]}"
                )
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        log.close()
