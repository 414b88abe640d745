"""The servers the benchmarks time (`mlgraph serve`, a real `mlflow server`, ...): each
on a free loopback port, in a process group of its own, logging to `server.log` in
its work directory, up once /health answers, and ended with its whole group (mlflow
starts workers and a job runner that may outlive their leader)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tail(workdir: Path) -> str:
    """The end of the server's log."""
    return (workdir / "server.log").read_text(errors="replace")[-3000:]


@contextmanager
def serving(
    label: str,
    cmd: Sequence[str],
    workdir: Path,
    port: int,
    *,
    timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, psutil.Process]]:
    """Run `cmd` (listening on `port`) for the block: its URL and process, once
    /health answers 200. Exits the benchmark with the log's tail if the server dies or
    stays silent for `timeout` seconds."""
    with (workdir / "server.log").open("wb") as log:
        popen = subprocess.Popen(
            list(cmd),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if popen.poll() is not None:
                raise SystemExit(f"{label} exited ({popen.returncode}):\n{tail(workdir)}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{label} not healthy after {timeout:.0f} s:\n{tail(workdir)}")
            time.sleep(0.1)
        yield url, psutil.Process(popen.pid)
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                popen.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with suppress(ProcessLookupError):  # members that outlived the leader
            os.killpg(popen.pid, signal.SIGKILL)
