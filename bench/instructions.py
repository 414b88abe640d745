"""Instructions per operation, counted by valgrind's callgrind: the same figure whatever
else the machine is doing, for comparing two versions of the code on a shared machine
where timings move by 20-40 % from run to run.

    .venv/bin/python bench/instructions.py                     # this checkout
    .venv/bin/python bench/instructions.py --trees /tmp/a /tmp/b   # e.g. `git archive` exports

Two in-process workloads on a fresh SQLite catalog, each run at two sizes so that start-up
and imports cancel out (per operation = difference / difference in size):

- `mlflow`: the MLflow API's handlers, per run: create_run, one log_batch (10 params,
  10 metrics x 5 steps, 5 tags), set_terminated; every 10th run registered as a version
  and moved to Staging.
- `ingest`: `WriteService.apply` of bench/ingest.py's entities (datasets and models, 5
  aspects each), 500 proposals a batch; per entity.

Needs valgrind (Debian's package). Each measurement takes a minute or two: Python runs
about fifty times slower under callgrind.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SIZES = {"mlflow": (10, 40), "ingest": (400, 1600)}


def _mlflow(n: int) -> None:
    from mlgraph.config import Settings
    from mlgraph.runtime import build_services
    from mlgraph.services.proposals import WriteContext

    try:
        from mlgraph.integrations.mlflow.server import experiments, registry, runs, versions
        from mlgraph.integrations.mlflow.server.messages import Call
    except ImportError:  # the layout before mlgraph.integrations
        from mlgraph.compat.mlflow import experiments, registry, runs, versions  # type: ignore
        from mlgraph.compat.mlflow.messages import Call  # type: ignore

    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(environment="test", data_dir=Path(tmp)))
        ctx = WriteContext(actor="urn:li:corpuser:bench")

        def call(fn: Any, **msg: Any) -> Any:
            return fn(Call(services, ctx, msg))

        exp = call(experiments.create_experiment, name="bench")["experiment_id"]
        call(registry.create_registered_model, name="m")
        t0 = 1_700_000_000_000
        for i in range(n):
            run = call(runs.create_run, experiment_id=exp, run_name=f"r{i}", start_time=t0 + i)
            run_id = run["run"]["info"]["run_id"]
            metrics = [
                {"key": f"metric_{k}", "value": rng.random(), "timestamp": t0 + s, "step": s}
                for s in range(5)
                for k in range(10)
            ]
            params = [{"key": f"param_{k}", "value": f"{rng.random():.6f}"} for k in range(10)]
            tags = [{"key": f"tag_{k}", "value": f"ds_{i % 20}"} for k in range(5)]
            call(runs.log_batch, run_id=run_id, metrics=metrics, params=params, tags=tags)
            call(runs.update_run, run_id=run_id, status="FINISHED", end_time=t0 + i + 100)
            if i % 10 == 0:
                made = call(versions.create_model_version, name="m", source="x", run_id=run_id)
                version = made["model_version"]["version"]
                call(versions.transition_stage, name="m", version=version, stage="Staging")
        services.close()


def _ingest(n: int) -> None:
    import orjson

    from mlgraph.config import Settings
    from mlgraph.runtime import build_services
    from mlgraph.services.proposals import Op, Proposal, WriteContext

    sys.path.insert(0, str(BENCH))
    from ingest import aspect_rows, build_entities

    rows = aspect_rows(build_entities(n))
    proposals = [Proposal(Op.UPSERT, u, a, orjson.loads(v)) for u, a, v in rows]
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(environment="test", data_dir=Path(tmp)))
        ctx = WriteContext(actor="urn:li:corpuser:bench")
        for i in range(0, len(proposals), 500):
            services.writes.apply(proposals[i : i + 500], ctx)
        services.close()


def count(tree: Path, workload: str, n: int) -> int:
    """Instructions of one run of `workload` at size `n`, with `tree`'s mlgraph."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                str(Path(__file__).resolve()),
                "--run",
                workload,
                str(n),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{workload} n={n} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", nargs="*", type=Path, default=[BENCH.parent])
    parser.add_argument("--workloads", default="mlflow,ingest")
    parser.add_argument("--run", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        {"mlflow": _mlflow, "ingest": _ingest}[args.run[0]](int(args.run[1]))
        return
    print(f"<!-- {time.strftime('%Y-%m-%d')}, callgrind instructions, per operation -->")
    print("| workload | per | " + " | ".join(str(t) for t in args.trees) + " |")
    print("|---|---|" + "--:|" * len(args.trees))
    for workload in args.workloads.split(","):
        small, large = SIZES[workload]
        per = []
        for tree in args.trees:
            a, b = count(tree, workload, small), count(tree, workload, large)
            per.append((b - a) / (large - small))
            print(f"{workload} {tree}: {a:,} at {small}, {b:,} at {large}", file=sys.stderr)
        unit = "run" if workload == "mlflow" else "entity (5 aspects)"
        print(f"| {workload} | {unit} | " + " | ".join(f"{p / 1e6:,.2f} M" for p in per) + " |")


if __name__ == "__main__":
    main()
