"""What authentication costs a request: `GET /api/2.0/mlflow/runs/get` against two
`mlgraph serve`s holding the same run, one with MLGRAPH_AUTH=off, one with it on
(the same calls with a bearer token, and with basic auth), timed alternately over
keep-alive httpx. Prints the medians and the differences.

    .venv/bin/python bench/auth_overhead.py --requests 2000 --rounds 5
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, serving

PASSWORD = "a passphrase for the benchmark"


def mlgraph(data_dir: Path, *args: str, stdin: str = "") -> str:
    env = {**os.environ, "MLGRAPH_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "mlgraph.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.strip()


def serve_cmd(data_dir: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from mlgraph.cli.main import cli; cli()",
        "serve",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]


def timed(client: httpx.Client, run_id: str, n: int, headers: dict[str, str]) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get("/api/2.0/mlflow/runs/get", params={"run_id": run_id}, headers=headers)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        off_dir, on_dir = Path(tmp, "off"), Path(tmp, "on")
        off_dir.mkdir()
        on_dir.mkdir()
        mlgraph(
            on_dir,
            "users",
            "create",
            "eve",
            "--role",
            "editor",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        token = mlgraph(on_dir, "tokens", "create", "--user", "eve", "--name", "bench")
        bearer = {"Authorization": f"Bearer {token}"}
        basic = "Basic " + base64.b64encode(f"eve:{PASSWORD}".encode()).decode()
        p_off, p_on = free_port(), free_port()
        env_on = {**os.environ, "MLGRAPH_AUTH": "on"}
        with (
            serving("auth off", serve_cmd(off_dir, p_off), off_dir, p_off) as (off_url, _),
            serving("auth on", serve_cmd(on_dir, p_on), on_dir, p_on, env=env_on) as (on_url, _),
            httpx.Client(base_url=off_url) as off,
            httpx.Client(base_url=on_url) as on,
        ):
            runs = {}
            for client, headers in ((off, {}), (on, bearer)):
                exp = client.post(
                    "/api/2.0/mlflow/experiments/create", json={"name": "b"}, headers=headers
                )
                run = client.post(
                    "/api/2.0/mlflow/runs/create",
                    json={"experiment_id": exp.json()["experiment_id"], "start_time": 1},
                    headers=headers,
                )
                runs[id(client)] = run.json()["run"]["info"]["run_id"]
            rows: dict[str, list[float]] = {"off": [], "on, bearer token": [], "on, basic auth": []}
            for _ in range(args.rounds):
                rows["off"].append(statistics.median(timed(off, runs[id(off)], args.requests, {})))
                rows["on, bearer token"].append(
                    statistics.median(timed(on, runs[id(on)], args.requests, bearer))
                )
                rows["on, basic auth"].append(
                    statistics.median(
                        timed(on, runs[id(on)], args.requests, {"Authorization": basic})
                    )
                )
    base = statistics.median(rows["off"])
    print(f"get_run over HTTP, median of {args.rounds} rounds of {args.requests} (ms):")
    for label, medians in rows.items():
        m = statistics.median(medians)
        shown = ", ".join(f"{x:.3f}" for x in medians)
        print(
            f"  {label:18} {m:.3f}  (+{m - base:.3f} ms, {100 * (m / base - 1):+.1f} %)  rounds: {shown}"
        )


if __name__ == "__main__":
    main()
