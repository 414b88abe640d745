"""The MLflow API's handlers in process, without HTTP or the mlflow client: the server's
own cost per request of the workload in bench/mlflow_workload.py.

    .venv/bin/python bench/mlflow_handlers.py --runs 300 --repeats 5

Logs N runs (create_run, one log_batch of 10 params, 10 metrics x 5 steps and 5 tags,
set_terminated), then 20 x (get_registered_model, create_model_version,
transition_model_version_stage, set_registered_model_alias), 200 get_run and 20 of
each search (a tag equality; a metric range ordered by that metric, max 100), on a
fresh SQLite catalog per repeat. Prints the best (lowest) mean ms per call over the repeats:
on a shared machine the lowest is the least disturbed.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlgraph.config import Settings
from mlgraph.integrations.mlflow.server import experiments, registry, run_search, runs, versions
from mlgraph.integrations.mlflow.server.messages import Call
from mlgraph.runtime import build_services
from mlgraph.services.proposals import WriteContext

MODEL_VERSIONS = 20
GET_RUNS = 200
SEARCHES = 20


def batch(i: int, rng: random.Random, t0: int) -> dict[str, Any]:
    metrics = [
        {"key": f"metric_{k}", "value": rng.random(), "timestamp": t0 + s, "step": s}
        for s in range(5)
        for k in range(10)
    ]
    params = [{"key": f"param_{k}", "value": f"{rng.random():.6f}"} for k in range(10)]
    tags = [{"key": f"tag_{k}", "value": f"ds_{i % 20}"} for k in range(5)]
    return {"metrics": metrics, "params": params, "tags": tags}


def once(n_runs: int, seed: int) -> dict[str, float]:
    """Mean ms per call of each handler, on a fresh catalog."""
    totals: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="mlflow-handlers-") as tmp:
        services = build_services(Settings(environment="test", data_dir=Path(tmp)))
        ctx = WriteContext(actor="urn:li:corpuser:bench")

        def timed(label: str, handler: Callable[[Call], Any], /, **msg: Any) -> Any:
            t0 = time.perf_counter()
            out = handler(Call(services, ctx, msg))
            totals.setdefault(label, []).append(time.perf_counter() - t0)
            return out

        try:
            rng = random.Random(seed)
            exp = experiments.create_experiment(Call(services, ctx, {"name": "bench"}))
            ids = []
            for i in range(n_runs):
                body = batch(i, rng, int(time.time() * 1000))
                made = timed(
                    "create_run",
                    runs.create_run,
                    experiment_id=exp["experiment_id"],
                    run_name=f"r{i}",
                )
                rid = made["run"]["info"]["run_id"]
                timed("log_batch", runs.log_batch, run_id=rid, **body)
                end = int(time.time() * 1000)
                timed(
                    "set_terminated", runs.update_run, run_id=rid, status="FINISHED", end_time=end
                )
                ids.append(rid)
            registry.create_registered_model(Call(services, ctx, {"name": "m"}))
            for v in range(1, MODEL_VERSIONS + 1):
                rid = ids[v * max(1, n_runs // MODEL_VERSIONS) % n_runs]
                timed("get_registered_model", registry.get_registered_model, name="m")
                timed(
                    "create_model_version",
                    versions.create_model_version,
                    name="m",
                    source=f"runs:/{rid}/model",
                    run_id=rid,
                )
                stage = ("Staging", "Production")[v % 2]
                timed(
                    "transition_stage",
                    versions.transition_stage,
                    name="m",
                    version=str(v),
                    stage=stage,
                )
                timed("set_alias", registry.set_alias, name="m", alias=f"a{v}", version=str(v))
            for _ in range(GET_RUNS):
                timed("get_run", runs.get_run, run_id=rng.choice(ids))
            exp_ids = [exp["experiment_id"]]
            for _ in range(SEARCHES):
                timed(
                    "search_runs (tag)",
                    run_search.search_runs,
                    experiment_ids=exp_ids,
                    filter="tags.tag_0 = 'ds_7'",
                )
                timed(
                    "search_runs (metric, ordered, max 100)",
                    run_search.search_runs,
                    experiment_ids=exp_ids,
                    filter="metrics.metric_0 > 0.8",
                    order_by=["metrics.metric_0 DESC"],
                    max_results=100,
                )
        finally:
            services.close()
    return {name: 1000 * sum(t) / len(t) for name, t in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, ms in once(args.runs, args.seed).items():
            best[name] = min(ms, best.get(name, ms))
    print(f"| handler | ms per call (best of {args.repeats}) |")
    print("|---|--:|")
    for name, ms in best.items():
        print(f"| {name} | {ms:.2f} |")


if __name__ == "__main__":
    main()
