"""MLflow workload side by side (issue 4): the real `mlflow` client drives a real
`mlflow server` (SQLite backend), then `mlgraph serve`, then an in-memory fake server
(the client's own floor), one after the other, with the same workload.

    .venv/bin/python bench/mlflow_workload.py                    # N=500 and 3000, 3 repeats
    .venv/bin/python bench/mlflow_workload.py --runs 50 --repeats 1            # smoke
    .venv/bin/python bench/mlflow_workload.py --mlflow-workers 1,2,4 --runs 500

Workload (bench/mlflow_client_workload.py, run by the mlflow venv's Python): per run
create_run + one log_batch (10 params, 10 metrics x 5 steps, 5 tags) + set_terminated;
then 50 searches `tags.dataset_version = 'ds_7'`, 50 searches `metrics.val_auc > 0.9`
ordered by val_auc DESC (max 100), 62 registry operations, 200 get_run.

After the workload, the "wire" rows replay the requests the client sent for one tag
search, one metric search and each get_run with a keep-alive httpx client: the server's
own latency, without the mlflow client's per-call cost.

Every repeat starts every server fresh on a free loopback port in a fresh directory.
Figures are medians over the repeats; markdown goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psutil
from servers import free_port, serving, tail

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MLFLOW_PY = REPO / ".venv-mlflow" / "bin" / "python"
CLIENT = BENCH / "mlflow_client_workload.py"

X = "\u00d7"  # multiplication sign, for the markdown
TAG_SEARCHES = METRIC_SEARCHES = 50  # as in the client script: the wire rows repeat as many

# Done-when of issue 4 item 5: (figure, mlgraph must be at least this many times better)
TARGETS = {
    "runs/s": 3.0,
    "tag search": 6.0,
    "metric search": 10.0,
    "get_run": 3.0,
    "registry ops/s": 5.0,
    "server PSS": 10.0,
}


# -- an in-memory fake MLflow server: the floor of what the client can show ----------


class FakeStore:
    """Just enough of MLflow's tracking and registry API, from dicts, with MLflow's JSON
    shapes, for the calls the workload makes."""

    def __init__(self) -> None:
        self.experiments: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def now() -> int:
        return int(time.time() * 1000)

    def run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        data = {
            "metrics": list(run["metrics"].values()),
            "params": [{"key": k, "value": v} for k, v in run["params"].items()],
            "tags": [{"key": k, "value": v} for k, v in run["tags"].items()],
        }
        return {"info": dict(run["info"]), "data": data, "inputs": {}, "outputs": {}}

    def version_json(self, mv: dict[str, Any]) -> dict[str, Any]:
        return dict(mv)

    def model_json(self, name: str) -> dict[str, Any]:
        model = self.models[name]
        latest: dict[str, dict[str, Any]] = {}
        for mv in model["versions"].values():
            latest[mv["current_stage"]] = mv
        out = {k: v for k, v in model.items() if k not in ("versions", "aliases")}
        out["latest_versions"] = [self.version_json(v) for v in latest.values()]
        out["aliases"] = [{"alias": a, "version": v} for a, v in model["aliases"].items()]
        return out

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        op = path.removeprefix("/api/2.0/mlflow/")
        now = self.now()
        if op == "experiments/create":
            exp_id = str(len(self.experiments) + 1)
            self.experiments[exp_id] = {"experiment_id": exp_id, "name": body["name"]}
            return 200, {"experiment_id": exp_id}
        if op == "runs/create":
            run_id = uuid.uuid4().hex
            exp_id = body.get("experiment_id", "0")
            info = {
                "run_id": run_id,
                "run_uuid": run_id,
                "run_name": body.get("run_name", ""),
                "experiment_id": exp_id,
                "user_id": body.get("user_id", ""),
                "status": "RUNNING",
                "start_time": body.get("start_time", now),
                "artifact_uri": f"mlflow-artifacts:/{exp_id}/{run_id}/artifacts",
                "lifecycle_stage": "active",
            }
            tags = {t["key"]: t["value"] for t in body.get("tags", [])}
            tags["mlflow.runName"] = info["run_name"]
            run = {"info": info, "metrics": {}, "params": {}, "tags": tags}
            self.runs[run_id] = run
            return 200, {"run": self.run_json(run)}
        if op == "runs/log-batch":
            run = self.runs[body["run_id"]]
            for m in body.get("metrics", []):
                old = run["metrics"].get(m["key"])
                if old is None or (m.get("step", 0), m["timestamp"]) >= (
                    old.get("step", 0),
                    old["timestamp"],
                ):
                    run["metrics"][m["key"]] = m
            run["params"].update((p["key"], p["value"]) for p in body.get("params", []))
            run["tags"].update((t["key"], t["value"]) for t in body.get("tags", []))
            return 200, {}
        if op == "runs/update":
            run = self.runs[body["run_id"]]
            run["info"]["status"] = body.get("status", run["info"]["status"])
            if "end_time" in body:
                run["info"]["end_time"] = body["end_time"]
            return 200, {"run_info": run["info"]}
        if op == "runs/get":
            return 200, {"run": self.run_json(self.runs[body["run_id"]])}
        if op == "runs/search":
            return 200, {"runs": [self.run_json(r) for r in self.search(body)]}
        if op == "registered-models/create":
            name = body["name"]
            self.models[name] = {
                "name": name,
                "creation_timestamp": now,
                "last_updated_timestamp": now,
                "versions": {},
                "aliases": {},
                "tags": body.get("tags", []),
            }
            return 200, {"registered_model": self.model_json(name)}
        if op == "registered-models/get":
            if body["name"] not in self.models:
                return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no model"}
            return 200, {"registered_model": self.model_json(body["name"])}
        if op == "model-versions/create":
            model = self.models[body["name"]]
            version = str(len(model["versions"]) + 1)
            mv = {
                "name": body["name"],
                "version": version,
                "creation_timestamp": now,
                "last_updated_timestamp": now,
                "current_stage": "None",
                "source": body["source"],
                "run_id": body.get("run_id", ""),
                "status": "READY",
                "tags": body.get("tags", []),
            }
            model["versions"][version] = mv
            return 200, {"model_version": self.version_json(mv)}
        if op == "model-versions/get":
            mv = self.models[body["name"]]["versions"][body["version"]]
            return 200, {"model_version": self.version_json(mv)}
        if op == "model-versions/transition-stage":
            mv = self.models[body["name"]]["versions"][body["version"]]
            mv["current_stage"] = body["stage"]
            mv["last_updated_timestamp"] = now
            return 200, {"model_version": self.version_json(mv)}
        if op == "registered-models/alias" and method == "POST":
            self.models[body["name"]]["aliases"][body["alias"]] = body["version"]
            return 200, {}
        return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"{method} {path}"}

    def search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        exps = set(body.get("experiment_ids", []))
        runs = [r for r in self.runs.values() if r["info"]["experiment_id"] in exps]
        for clause in filter(None, re.split(r"\s+and\s+", body.get("filter", ""), flags=re.I)):
            if m := re.fullmatch(r"tags?\.(\w+)\s*=\s*'([^']*)'", clause.strip()):
                key, value = m.groups()
                runs = [r for r in runs if r["tags"].get(key) == value]
            elif m := re.fullmatch(r"metrics?\.(\w+)\s*>\s*([-\d.eE]+)", clause.strip()):
                key, bound = m.group(1), float(m.group(2))
                runs = [
                    r for r in runs if key in r["metrics"] and r["metrics"][key]["value"] > bound
                ]
            else:
                raise ValueError(f"fake server cannot filter {clause!r}")
        runs.sort(key=lambda r: (-r["info"]["start_time"], r["info"]["run_id"]))
        for order in reversed(body.get("order_by", [])):
            m = re.fullmatch(r"metrics?\.(\w+)(?:\s+(ASC|DESC))?", order.strip(), flags=re.I)
            if not m:
                raise ValueError(f"fake server cannot order by {order!r}")
            key, desc = m.group(1), (m.group(2) or "ASC").upper() == "DESC"
            runs.sort(key=lambda r: r["metrics"][key]["value"], reverse=desc)
        return runs[: int(body.get("max_results", 1000))]


def serve_fake(port: int) -> None:
    store = FakeStore()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real servers
        disable_nagle_algorithm = True

        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            if url.path == "/health":
                status, reply = 200, "OK"
            else:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body: dict[str, Any] = json.loads(raw) if raw else {}
                body.update((k, v[0]) for k, v in parse_qs(url.query).items())
                with store.lock:
                    status, reply = store.handle(method, url.path, body)
            data = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PATCH(self) -> None:
            self._answer("PATCH")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# -- servers -------------------------------------------------------------------------


def tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in tree(proc):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def settle(proc: psutil.Process, limit: float = 60.0) -> None:
    """Wait until the server's process tree is idle (start-up work such as migrations and
    mlflow's job-runner workers done): under 5 % of a core over a 1 s window."""
    deadline = time.monotonic() + limit
    before = tree_cpu(proc)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = tree_cpu(proc)
        if now - before < 0.05:
            return
        before = now
    log(f"server still busy after {limit:.0f} s; measuring anyway")


def tree_memory(proc: psutil.Process) -> tuple[int, int, int]:
    """(processes, PSS bytes, RSS bytes) summed over the process and its descendants."""
    count = pss = rss = 0
    for p in tree(proc):
        try:
            mem = p.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        count, pss, rss = count + 1, pss + mem.pss, rss + mem.rss
    return count, pss, rss


@dataclass
class Server:
    label: str
    url: str
    proc: psutil.Process


@contextmanager
def start(
    label: str, cmd: list[str], workdir: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`cmd` serving on `port` (see servers.serving), as a `Server`."""
    with serving(label, cmd, workdir, port, env=env) as (url, proc):
        yield Server(label, url, proc)


def server_cmd(kind: str, workdir: Path, port: int) -> list[str]:
    if kind.startswith("mlflow-w"):
        workers = kind.removeprefix("mlflow-w")
        return [
            str(MLFLOW_PY.parent / "mlflow"),
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'mlflow.db'}",
            "--default-artifact-root",
            str(workdir / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            workers,
        ]
    if kind in ("mlgraph", "mlgraph-auth"):
        return [
            sys.executable,
            "-m",
            "mlgraph.cli.main",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(workdir),
        ]
    if kind == "fake":
        return [sys.executable, str(Path(__file__).resolve()), "--fake-server", str(port)]
    raise ValueError(kind)


AUTH_ENV = {
    "MLGRAPH_AUTH": "on",
    # The workload moves versions into Production with no approval request, as MLflow
    # allows: with auth on that is refused, so nothing is protected here (the policy
    # still runs on every write).
    "MLGRAPH_PROTECTED_STAGES": "[]",
    "MLGRAPH_PROTECTED_ALIASES": "[]",
}


def auth_token(workdir: Path) -> str:
    """An admin account without a password in `workdir`'s catalog, and a token of it:
    what the "mlgraph-auth" kind's client sends (MLFLOW_TRACKING_TOKEN)."""

    def cli(*args: str) -> str:
        env = {**os.environ, "MLGRAPH_DATA_DIR": str(workdir)}
        cmd = [sys.executable, "-m", "mlgraph.cli.main", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    cli("users", "create", "bench", "--role", "admin", "--no-password")
    return cli("tokens", "create", "--user", "bench", "--name", "benchmark").strip()


def label_of(kind: str) -> str:
    if kind.startswith("mlflow-w"):
        w = kind.removeprefix("mlflow-w")
        return f"mlflow server, --workers {w}"
    return {
        "mlgraph": "mlgraph serve",
        "mlgraph-auth": "mlgraph serve, auth on (bearer token)",
        "fake": "in-memory fake (client floor)",
    }[kind]


# -- one measurement -----------------------------------------------------------------


@dataclass
class Result:
    kind: str
    n: int
    figures: dict[str, float] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)


def measure(kind: str, n: int, seed: int, py_spy: Path | None, tag: str) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"mlwl-{kind}-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        server_env = client_env = None
        if kind == "mlgraph-auth":
            token = auth_token(workdir)
            server_env = {**os.environ, **AUTH_ENV}
            client_env = {**os.environ, "MLFLOW_TRACKING_TOKEN": token}
        with start(kind, server_cmd(kind, workdir, port), workdir, port, server_env) as server:
            settle(server.proc)
            cpu0 = tree_cpu(server.proc)
            spy = None
            if py_spy is not None and kind.startswith("mlgraph"):
                py_spy.mkdir(parents=True, exist_ok=True)
                spy = subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "py-spy"),
                        "record",
                        "--format",
                        "raw",
                        "-o",
                        str(py_spy / f"mlgraph-{tag}.txt"),
                        "--pid",
                        str(server.proc.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            t0 = time.perf_counter()
            client = [str(MLFLOW_PY), str(CLIENT), "--url", server.url]
            done = subprocess.run(
                [*client, "--runs", str(n), "--seed", str(seed)],
                capture_output=True,
                text=True,
                env=client_env,
            )
            wall = time.perf_counter() - t0
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            if done.returncode != 0:
                raise SystemExit(
                    f"client against {kind} failed:\n{done.stderr[-4000:]}\n"
                    f"server log:\n{tail(workdir)}"
                )
            # the mlflow client prints its own messages on stdout; ours is the last line
            out = json.loads(done.stdout.strip().splitlines()[-1])
            server_cpu = tree_cpu(server.proc) - cpu0
            procs, pss, rss = tree_memory(server.proc)
            on_wire, wire_check = wire(out)
    requests = out["total"]["requests"]
    figures = {
        "runs/s": out["log_runs"]["ops_per_s"],
        "tag search": out["tag_search"]["median_ms"],
        "metric search": out["metric_search"]["median_ms"],
        "registry ops/s": out["registry"]["ops_per_s"],
        "get_run": out["get_run"]["median_ms"],
        "server PSS": pss / 2**20,
        "server RSS": rss / 2**20,
        "server processes": procs,
        "requests": requests,
        "server CPU ms/request": server_cpu / requests * 1000,
        "client CPU ms/request": out["total"]["client_cpu_s"] / requests * 1000,
        "client wall s": wall,
        "registry ops": out["registry"]["ops"],
        **on_wire,
    }
    check = {
        "tag results": out["tag_search"]["results"],
        "tag names": out["tag_search"]["names"],
        "metric results": out["metric_search"]["results"],
        "metric names": out["metric_search"]["names"],
        "aliases": out["registry"]["aliases"],
        "latest stages": out["registry"]["latest_stages"],
        "get_run shape": out["get_run"]["shape"][:2],  # params, metrics (tags differ)
        **wire_check,
    }
    return Result(kind, n, figures, check)


# The "wire" rows: the requests the mlflow client sent for one tag search, one metric
# search and each get_run (recorded by the client script), replayed with a keep-alive
# httpx client, so the server's own latency shows without the mlflow client's
# per-call cost (building the request, parsing the JSON into entities).
WIRE = {
    "wire tag search": ("tag_search", TAG_SEARCHES),
    "wire metric search": ("metric_search", METRIC_SEARCHES),
    "wire get_run": ("get_run", 1),
}


def wire(out: dict[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """Median ms per call of the client's own requests replayed, and what the replayed
    searches returned (run counts), for the cross-server check."""
    figures: dict[str, float] = {}
    check: dict[str, Any] = {}
    with httpx.Client(timeout=120) as http:
        for key, (phase, repeats) in WIRE.items():
            sent = out[phase]["wire"]
            # a search is one call of one or more requests (pages); each get_run is one
            calls = [sent] * repeats if repeats > 1 else [[r] for r in sent]
            times = []
            for call in calls:
                t0 = time.perf_counter()
                for req in call:
                    reply = http.request(
                        req["method"], req["url"], headers=req["headers"], content=req["body"]
                    )
                    if reply.status_code != 200:
                        raise SystemExit(f"{key}: {reply.status_code} {reply.text[:500]}")
                times.append(time.perf_counter() - t0)
            figures[key] = statistics.median(times) * 1000
            if repeats > 1:
                check[f"{key} results"] = len(reply.json().get("runs", []))
    return figures, check


# -- report --------------------------------------------------------------------------

LOWER_IS_BETTER = {
    "tag search",
    "metric search",
    "get_run",
    *WIRE,
    "server PSS",
    "server RSS",
    "server CPU ms/request",
}
UNITS = {
    "runs/s": ("runs/s logged", ".1f"),
    "tag search": ("search `tags.dataset_version = 'ds_7'`, median ms", ".1f"),
    "metric search": ("search `metrics.val_auc > 0.9` ordered, max 100, median ms", ".1f"),
    "registry ops/s": ("registry ops/s", ".1f"),
    "get_run": ("get_run, median ms", ".2f"),
    "server PSS": ("server PSS after the workload, MiB", ",.0f"),
    "server RSS": ("server RSS after the workload, MiB", ",.0f"),
    "server processes": ("server processes", ".0f"),
    "server CPU ms/request": ("server CPU per request, ms", ".2f"),
    "client CPU ms/request": ("client CPU per request, ms", ".2f"),
    "requests": ("HTTP requests made by the client", ",.0f"),
}


def med(results: Sequence[Result], key: str) -> float:
    return statistics.median(r.figures[key] for r in results)


def better(key: str, ours: float, theirs: float) -> float:
    """How many times better `ours` is than `theirs` (>1: ours is better)."""
    if key in LOWER_IS_BETTER:
        return theirs / ours if ours else float("inf")
    return ours / theirs if theirs else float("inf")


def check_same(results: Sequence[Result]) -> list[str]:
    """What differs between servers' answers to the same workload (same seed)."""
    problems = []
    base = results[0]
    for other in results[1:]:
        for key, value in base.check.items():
            if other.check[key] != value:
                problems.append(f"N={base.n}: {base.kind} vs {other.kind}: {key} differ")
    return problems


def report(by: dict[tuple[str, int], list[Result]], sizes: list[int], mlflows: list[str]) -> str:
    lines: list[str] = []
    best: dict[int, str] = {}
    for n in sizes:
        best[n] = max(mlflows, key=lambda k: med(by[(k, n)], "runs/s"))
    if len(mlflows) > 1:
        lines += ["MLflow configurations (medians):", ""]
        lines.append("| N | config | runs/s | tag ms | metric ms | registry ops/s | get_run ms |")
        lines.append("|--:|---|--:|--:|--:|--:|--:|")
        for n in sizes:
            for k in mlflows:
                r = by[(k, n)]
                lines.append(
                    f"| {n:,} | {label_of(k)} | {med(r, 'runs/s'):.1f} "
                    f"| {med(r, 'tag search'):.1f} | {med(r, 'metric search'):.1f} "
                    f"| {med(r, 'registry ops/s'):.1f} | {med(r, 'get_run'):.2f} |"
                )
        lines.append("")
    for n in sizes:
        mf, mg, fk = by[(best[n], n)], by[("mlgraph", n)], by[("fake", n)]
        lines.append(
            f"**N = {n:,} runs** (medians of {len(mg)}; fastest MLflow: {label_of(best[n])})"
        )
        lines.append("")
        lines.append(
            "| figure | mlflow | mlgraph | mlgraph vs mlflow | target | met | fake floor "
            "| mlgraph vs floor |"
        )
        lines.append("|---|--:|--:|--:|--:|---|--:|--:|")
        for key, (title, spec) in UNITS.items():
            a, b, f = med(mf, key), med(mg, key), med(fk, key)
            ratio = better(key, b, a)
            target = TARGETS.get(key)
            if key in ("server PSS", "server RSS", "server processes", "requests") or key.endswith(
                "/request"
            ):
                vs_floor = "-"
            else:
                # the share of the floor's performance that mlgraph reaches (1.00 = floor)
                vs_floor = f"{better(key, b, f):.2f}"
            no_ratio = ("server processes", "requests", "client CPU ms/request")
            ratio_s = "-" if key in no_ratio else f"{ratio:.1f}{X}"
            lines.append(
                f"| {title} | {format(a, spec)} | {format(b, spec)} | {ratio_s} "
                f"| {'-' if target is None else f'≥ {target:g}{X}'} "
                f"| {'-' if target is None else ('yes' if ratio >= target else '**no**')} "
                f"| {format(f, spec) if key != 'server processes' else format(f, '.0f')} "
                f"| {vs_floor} |"
            )
        lines.append("")
    lines.append(
        "Over the wire (server side): the requests the mlflow client sent for one tag "
        "search, one metric search and each get_run, replayed with a keep-alive httpx "
        "client; no mlflow client in the loop. The targets are the issue's (set on the "
        "client-level rows above); the fake column is the in-memory fake's http.server."
    )
    lines.append("")
    lines.append(
        "| N | figure (wire), median ms | mlflow | mlgraph | mlgraph vs mlflow | target | met "
        "| fake |"
    )
    lines.append("|--:|---|--:|--:|--:|--:|---|--:|")
    for n in sizes:
        mf, mg, fk = by[(best[n], n)], by[("mlgraph", n)], by[("fake", n)]
        for key in WIRE:
            if key not in mg[0].figures:
                continue  # a --report-from file saved before the wire rows existed
            a, b, f = med(mf, key), med(mg, key), med(fk, key)
            ratio = better(key, b, a)
            target = TARGETS[key.removeprefix("wire ")]
            lines.append(
                f"| {n:,} | {key.removeprefix('wire ')} | {a:.2f} | {b:.2f} | {ratio:.1f}{X} "
                f"| ≥ {target:g}{X} | {'yes' if ratio >= target else '**no**'} | {f:.2f} |"
            )
    lines.append("")
    lines.append(
        "Above the floor: each server's median latency minus the fake server's, at the same N "
        "(what the server and its transport add to what the client spends anyway):"
    )
    lines.append("")
    lines.append("| N | figure | mlflow ms | mlgraph ms | mlgraph vs mlflow |")
    lines.append("|--:|---|--:|--:|--:|")
    for n in sizes:
        mf, mg, fk = by[(best[n], n)], by[("mlgraph", n)], by[("fake", n)]
        for key in ("tag search", "metric search", "get_run"):
            a, b = med(mf, key) - med(fk, key), med(mg, key) - med(fk, key)
            lines.append(f"| {n:,} | {key} | {a:.1f} | {b:.1f} | {better(key, b, a):.1f}{X} |")
        a = 1000 / med(mf, "runs/s") - 1000 / med(fk, "runs/s")
        b = 1000 / med(mg, "runs/s") - 1000 / med(fk, "runs/s")
        lines.append(f"| {n:,} | ms per logged run | {a:.1f} | {b:.1f} | {a / b:.1f}{X} |")
    lines.append("")
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        lines.append(f"Search latency from N={lo:,} to N={hi:,} (median ms, growth):")
        lines.append("")
        lines.append("| search | server | N=" + f"{lo:,} | N={hi:,} | growth |")
        lines.append("|---|---|--:|--:|--:|")
        for key in ("tag search", "metric search"):
            for kind in (best[hi], "mlgraph", "fake"):
                a, b = med(by[(kind, lo)], key), med(by[(kind, hi)], key)
                lines.append(f"| {key} | {label_of(kind)} | {a:.1f} | {b:.1f} | {b / a:.2f}{X} |")
        lines.append("")
    return "\n".join(lines)


def source() -> str:
    git = ["git", "-C", str(REPO)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "mlgraph"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "mlgraph (no git)"
    return f"mlgraph at {commit}{' + uncommitted changes' if dirty else ''}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="500,3000", help="N runs, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--mlflow-workers", default="1", help="mlflow server --workers to measure, e.g. 1,2,4"
    )
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--py-spy", type=Path, help="record py-spy raw profiles of mlgraph serve into this dir"
    )
    parser.add_argument(
        "--save", type=Path, help="append every measurement to this JSON-lines file as it ends"
    )
    parser.add_argument("--report-from", type=Path, help="only print the report of a --save file")
    parser.add_argument(
        "--servers", default="mlflow,mlgraph,fake", help="servers to run (profiling: mlgraph)"
    )
    parser.add_argument("--fake-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fake_server:
        serve_fake(args.fake_server)
        return

    sizes = [int(x) for x in args.runs.split(",")]
    mlflows = [f"mlflow-w{int(w)}" for w in args.mlflow_workers.split(",")]
    wanted = args.servers.split(",")
    kinds = [k for k in [*mlflows, "mlgraph", "fake"] if k.split("-")[0] in wanted]
    by: dict[tuple[str, int], list[Result]] = {}
    problems: list[str] = []
    if args.report_from:
        saved = [json.loads(line) for line in args.report_from.read_text().splitlines()]
        for d in saved:
            by.setdefault((d["kind"], d["n"]), []).append(Result(**d))
        sizes = sorted({d["n"] for d in saved})
        mlflows = sorted({d["kind"] for d in saved if d["kind"].startswith("mlflow")})
        kinds = [*mlflows, "mlgraph", "fake"]
        args.repeats = len(by[("mlgraph", sizes[0])])
        for n in sizes:
            for r in range(args.repeats):
                problems += check_same([by[(k, n)][r] for k in kinds if len(by[(k, n)]) > r])
    for n in [] if args.report_from else sizes:
        for repeat in range(args.repeats):
            batch = []
            for kind in kinds:
                t0 = time.perf_counter()
                res = measure(kind, n, args.seed, args.py_spy, f"n{n}-r{repeat + 1}")
                f = res.figures
                log(
                    f"N={n} repeat {repeat + 1} {kind}: {f['runs/s']:.1f} runs/s, "
                    f"tag {f['tag search']:.1f} ms, metric {f['metric search']:.1f} ms, "
                    f"registry {f['registry ops/s']:.1f}/s, get_run {f['get_run']:.2f} ms, "
                    f"PSS {f['server PSS']:.0f} MiB ({f['server processes']:.0f} procs), "
                    f"server CPU {f['server CPU ms/request']:.2f} ms/req "
                    f"({time.perf_counter() - t0:.0f} s)"
                )
                by.setdefault((kind, n), []).append(res)
                if args.save:
                    with args.save.open("a") as fh:
                        fh.write(json.dumps(res.__dict__) + "\n")
                batch.append(res)
            problems += check_same(batch)
            for p in problems:
                log(f"CHECK FAILED: {p}")

    if set(kinds) != {*mlflows, "mlgraph", "fake"}:
        return
    first = by[(kinds[0], sizes[0])][0]
    print(
        f"<!-- {time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; "
        f"{f'from {args.report_from}' if args.report_from else source()}; "
        f"medians of {args.repeats}; "
        f"{first.figures['registry ops']:.0f} registry ops -->"
    )
    print(report(by, sizes, mlflows))
    for n in sizes:
        c = by[("mlgraph", n)][0].check
        print(
            f"Check N={n:,}: every server returned the same {c['tag results']} tag-search runs, "
            f"the same {c['metric results']} metric-search runs in the same order, "
            f"{c['aliases']} aliases and latest versions {c['latest stages']}"
            + (": **differences found**" if any(f"N={n}:" in p for p in problems) else ".")
        )
    if problems:
        print("\n" + "\n".join(f"- {p}" for p in problems))
        sys.exit(1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
