"""The client side of bench/mlflow_workload.py: the `mlflow` client's workload against one
tracking server, timed call by call. Runs in the venv that has mlflow installed:

    .venv-mlflow/bin/python bench/mlflow_client_workload.py --url http://127.0.0.1:5000 --runs 500

Prints one JSON object on stdout (timings, client CPU, HTTP request counts and what the
searches returned, for the cross-server check); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import requests
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

PARAMS = 10
METRICS = 10  # each logged at STEPS steps
STEPS = 5
DATASET_VERSIONS = 20  # run i gets dataset_version ds_{i % 20}
TAG_SEARCHES = 50
METRIC_SEARCHES = 50
GET_RUNS = 200
MODEL_VERSIONS = 20  # registry ops: 1 + 3 * MODEL_VERSIONS + 1 = 62
TAG_FILTER = "tags.dataset_version = 'ds_7'"
METRIC_FILTER = "metrics.val_auc > 0.9"
METRIC_ORDER = ["metrics.val_auc DESC"]
METRIC_MAX = 100

_requests = 0
_sent: list[dict[str, Any]] = []  # the requests of the phase being recorded, as sent
_recording = False
_send = requests.Session.send


def _counting_send(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
    global _requests
    _requests += 1
    if _recording:
        request = args[0]
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        _sent.append(
            {
                "method": request.method,
                "url": request.url,
                "headers": {
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() not in ("content-length", "connection", "host")
                },
                "body": body,
            }
        )
    return _send(self, *args, **kwargs)


def recorded(fn: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Call `fn` and return what it returned and the HTTP requests it sent, so the
    parent script can replay the same calls without the mlflow client (the "wire" rows)."""
    global _recording
    _sent.clear()
    _recording = True
    try:
        return fn(), list(_sent)
    finally:
        _recording = False


requests.Session.send = _counting_send  # type: ignore[method-assign]


class Phase:
    """Wall time, client CPU and HTTP requests of one phase, and each call's latency."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.wall = self.cpu = 0.0
        self.requests = 0

    def __enter__(self) -> Phase:
        self.t0, self._c0, self._r0 = time.perf_counter(), time.process_time(), _requests
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self._c0
        self.requests = _requests - self._r0

    def call(self, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = fn()
        self.latencies.append(time.perf_counter() - t0)
        return result

    def summary(self, ops: int) -> dict[str, float]:
        return {
            "ops": ops,
            "wall_s": self.wall,
            "ops_per_s": ops / self.wall,
            "median_ms": statistics.median(self.latencies) * 1000 if self.latencies else 0.0,
            "client_cpu_s": self.cpu,
            "requests": self.requests,
        }


def run_batch(
    i: int, rng: random.Random, t0: int
) -> tuple[list[Metric], list[Param], list[RunTag]]:
    """10 params, 10 metrics x 5 steps (val_auc ends uniform in [0.5, 1)), 5 tags."""
    params = [Param(f"param_{k}", f"{rng.random():.6f}") for k in range(PARAMS - 2)]
    params += [Param("learning_rate", f"{rng.uniform(1e-4, 0.3):.5f}"), Param("seed", str(i))]
    final_auc = rng.uniform(0.5, 1.0)
    metrics = []
    for step in range(STEPS):
        frac = (step + 1) / STEPS
        metrics.append(Metric("val_auc", 0.5 + (final_auc - 0.5) * frac, t0 + step, step))
        metrics.extend(
            Metric(f"metric_{k}", rng.random(), t0 + step, step) for k in range(METRICS - 1)
        )
    tags = [
        RunTag("dataset_version", f"ds_{i % DATASET_VERSIONS}"),
        RunTag("git_commit", hashlib.sha1(str(i).encode()).hexdigest()),
        RunTag("team", f"team_{i % 5}"),
        RunTag("owner", f"user_{i % 7}"),
        RunTag("stage", "train"),
    ]
    return metrics, params, tags


def workload(url: str, n_runs: int, seed: int) -> dict[str, Any]:
    cpu0, requests0 = time.process_time(), _requests
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    rng = random.Random(seed)
    exp_id = client.create_experiment("bench-workload")
    out: dict[str, Any] = {}

    # -- log N runs ------------------------------------------------------------------
    run_ids: list[str] = []
    artifact_uris: dict[str, str] = {}
    with Phase() as log_runs:
        for i in range(n_runs):
            metrics, params, tags = run_batch(i, rng, int(time.time() * 1000))
            t0 = time.perf_counter()
            run = client.create_run(exp_id, run_name=f"run-{i:05d}")
            run_id = run.info.run_id
            client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
            client.set_terminated(run_id)
            log_runs.latencies.append(time.perf_counter() - t0)
            run_ids.append(run_id)
            artifact_uris[run_id] = run.info.artifact_uri
            if (i + 1) % 500 == 0:
                log(f"  {i + 1} runs logged in {time.perf_counter() - log_runs.t0:.0f} s")
    out["log_runs"] = log_runs.summary(n_runs)

    # -- searches --------------------------------------------------------------------
    with Phase() as tag_search:
        for _ in range(TAG_SEARCHES):
            found = tag_search.call(lambda: client.search_runs([exp_id], TAG_FILTER))
    out["tag_search"] = tag_search.summary(TAG_SEARCHES)
    out["tag_search"]["results"] = len(found)
    out["tag_search"]["names"] = sorted(r.info.run_name for r in found)

    with Phase() as metric_search:
        for _ in range(METRIC_SEARCHES):
            found = metric_search.call(
                lambda: client.search_runs(
                    [exp_id], METRIC_FILTER, order_by=METRIC_ORDER, max_results=METRIC_MAX
                )
            )
    out["metric_search"] = metric_search.summary(METRIC_SEARCHES)
    out["metric_search"]["results"] = len(found)
    out["metric_search"]["names"] = [r.info.run_name for r in found]

    # -- registry --------------------------------------------------------------------
    name = "bench-model"
    stages = ["Staging", "Production"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stages are deprecated (FutureWarning)
        with Phase() as registry:
            ops = 0
            registry.call(lambda: client.create_registered_model(name))
            ops += 1
            versions = []
            for k in range(MODEL_VERSIONS):
                rid = run_ids[k * max(1, n_runs // MODEL_VERSIONS) % n_runs]
                mv = registry.call(
                    lambda rid=rid: client.create_model_version(
                        name, f"{artifact_uris[rid]}/model", run_id=rid
                    )
                )
                versions.append(mv.version)
                ops += 1
            for k, version in enumerate(versions):
                registry.call(
                    lambda k=k, version=version: client.transition_model_version_stage(
                        name, version, stages[k % 2]
                    )
                )
                ops += 1
            for k, version in enumerate(versions):
                registry.call(
                    lambda k=k, version=version: client.set_registered_model_alias(
                        name, f"alias_{k}", version
                    )
                )
                ops += 1
            model = registry.call(lambda: client.get_registered_model(name))
            ops += 1
    out["registry"] = registry.summary(ops)
    out["registry"]["aliases"] = len(model.aliases)
    out["registry"]["latest_stages"] = sorted(
        (v.current_stage, int(v.version)) for v in model.latest_versions
    )

    # -- point reads -----------------------------------------------------------------
    picks = [rng.choice(run_ids) for _ in range(GET_RUNS)]
    with Phase() as get_run:
        for rid in picks:
            run = get_run.call(lambda rid=rid: client.get_run(rid))
    out["get_run"] = get_run.summary(GET_RUNS)
    out["get_run"]["shape"] = [len(run.data.params), len(run.data.metrics), len(run.data.tags)]

    out["total"] = {
        "requests": _requests - requests0,
        "client_cpu_s": time.process_time() - cpu0,
    }

    # -- the same calls once more, recorded as sent (after the totals: not counted) ---
    _, out["tag_search"]["wire"] = recorded(lambda: client.search_runs([exp_id], TAG_FILTER))
    _, out["metric_search"]["wire"] = recorded(
        lambda: client.search_runs(
            [exp_id], METRIC_FILTER, order_by=METRIC_ORDER, max_results=METRIC_MAX
        )
    )
    out["get_run"]["wire"] = [recorded(lambda rid=rid: client.get_run(rid))[1][0] for rid in picks]
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(workload(args.url, args.runs, args.seed)))


if __name__ == "__main__":
    main()
