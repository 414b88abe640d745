"""Live servers for the tests that need a real socket: mlgraph under uvicorn or
`mlgraph serve`, and a real `mlflow server`. Each listens on a free loopback port, logs
to a file of its own, and is ended by its PID (its process group, for servers that
start workers of their own) when the test is done with it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Live:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def mlgraph_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server process: this one's, without its MLGRAPH_ settings,
    with the same mlgraph the tests import, a data dir of its own and `settings`
    (as MLGRAPH_<NAME>)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGRAPH_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *sys.path])
    env["PYTHONUNBUFFERED"] = "1"  # so the log can be read while it runs
    env["MLGRAPH_DATA_DIR"] = str(data_dir)
    env.update({f"MLGRAPH_{k.upper()}": v for k, v in settings.items()})
    return env


def uvicorn_command(factory: str, port: int) -> list[str]:
    """uvicorn serving the app `factory` ("module:function") on 127.0.0.1:`port`."""
    return [
        *(sys.executable, "-m", "uvicorn", "--factory", factory),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]


def mlflow_command(mlflow: Path, home: Path, port: int, *, proxy: bool = False) -> list[str]:
    """A real `mlflow server` with its SQLite store and artifacts under `home`. With
    `proxy`, it serves the artifacts itself (`mlflow-artifacts:/` URIs, as mlgraph does)
    instead of handing clients a path."""
    artifacts = (
        ("--artifacts-destination", str(home / "artifacts"))
        if proxy
        else ("--default-artifact-root", str(home / "artifacts"))
    )
    return [
        *(str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port)),
        *("--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}"),
        *artifacts,
        *("--workers", "1"),
    ]


@contextlib.contextmanager
def serving(
    command: Sequence[str],
    port: int,
    *,
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    own_group: bool = False,
) -> Iterator[Live]:
    """Run `command` (listening on `port`) until the block ends; yields once its
    /health answers 200, and fails the test with the log's tail if it exits or stays
    silent for `timeout` seconds. `own_group`: the server leads a process group of its
    own, and the whole group is ended with it (mlflow's workers and job runner)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(proc, url, log, timeout)
        yield Live(url, proc, log)
    finally:
        _stop(proc, own_group)


def _wait_for_health(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url}/health did not answer within {timeout:.0f}s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _stop(proc: subprocess.Popen[bytes], own_group: bool) -> None:
    if own_group:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers that outlived the leader
        proc.wait(timeout=10)
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def mlgraph_server(data_dir: Path, **settings: str) -> Iterator[Live]:
    """mlgraph's app under uvicorn with its data in `data_dir`, configured as a user
    would, through MLGRAPH_* settings (environment `test` unless given)."""
    port = free_port()
    settings.setdefault("environment", "test")
    with serving(
        uvicorn_command("mlgraph.app:create_app", port),
        port,
        cwd=data_dir,
        log=data_dir / "server.log",
        env=mlgraph_env(data_dir, **settings),
    ) as live:
        yield live


@contextlib.contextmanager
def mlflow_server(mlflow: Path, home: Path, *, proxy: bool = False) -> Iterator[Live]:
    """A real, empty `mlflow server` (SQLite store, one worker) under `home`."""
    if not mlflow.exists():
        pytest.fail("the mlflow peer venv is missing: run `make peers` (make test does)")
    port = free_port()
    with serving(
        mlflow_command(mlflow, home, port, proxy=proxy),
        port,
        cwd=home,
        log=home / "server.log",
        timeout=120,  # its first start migrates a fresh database
        own_group=True,
    ) as live:
        yield live
