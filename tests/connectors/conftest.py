"""A real `mlflow server` (sqlite, one worker) for the module, populated by scripts
run with the mlflow venv's own Python, and an SDK client over the in-process app."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mlgraph.sdk import Client

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_BIN = MLFLOW_VENV / "bin" / "mlflow"
MLFLOW_PY = MLFLOW_VENV / "bin" / "python"
SEED = Path(__file__).with_name("mlflow_seed.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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
    if not (MLFLOW_VENV / ".installed").exists():
        pytest.fail("the mlflow peer venv is missing: run `make peers` (make test does)")
    home = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            str(MLFLOW_BIN),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--default-artifact-root",
            str(home / "artifacts"),
            "--workers",
            "1",
        ],
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the job runner dies with it
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"mlflow server did not start: {(home / 'server.log').read_text()[-3000:]}"
                )
            time.sleep(0.3)
        server = MlflowServer(url, home)
        server.seed("first")
        yield server
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server and every process of the group it leads (uvicorn, job runner)."""
    os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers that outlived the leader
    proc.wait(timeout=10)


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client, actor="urn:li:corpuser:mlflow_ingest") as c:
        yield c
