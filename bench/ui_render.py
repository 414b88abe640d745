"""UI render benchmark (issue 6): server-side render time of each page type.

Renders every UI page type N times through the in-process app (over `TestClient`:
routing, services, SQL and Jinja2, no network)
and reports p50/p95 in milliseconds. The catalog is the demo; with `--entities` a
synthetic catalog of that size (bench/catalog.py) is loaded first and the demo on top,
so the same demo pages are timed inside a large catalog, plus pages of synthetic
entities (a group with its versions, an experiment with its runs, a deployment's
lineage).

    .venv/bin/python bench/ui_render.py                          # demo only, SQLite
    .venv/bin/python bench/ui_render.py --renders 200
    .venv/bin/python bench/ui_render.py --entities 1000000 --keep /tmp/ui1m   # reuse later
    .venv/bin/python bench/ui_render.py --database-url postgresql://... --schema bench_ui

Progress goes to stderr; a markdown table for BENCHMARKS.md goes to stdout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.demo import write_demo
from mlgraph.runtime import Services, build_services
from mlgraph.sdk import Client

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
CLF_V20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
CLF_V21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)"
ENDPOINT = "urn:li:mlModelDeployment:(urn:li:dataPlatform:mlflow,/predict v2.1,PROD)"
ORDERS = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.1,PROD)"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def entity(urn: str, tab: str = "") -> str:
    return "/entity/" + quote(urn, safe=":,()") + (f"?tab={tab}" if tab else "")


def lineage(urn: str, ancestry: bool = False) -> str:
    return "/lineage/" + quote(urn, safe=":,()") + ("?ancestry=1" if ancestry else "")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def experiment_of(services: Services, name: str) -> str:
    found = services.search.search(name, facets={"type": ["container"]})["results"]
    return next(r["urn"] for r in found if r["display_name"] == name)


def demo_pages(services: Services) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("search: text", "/search?q=churn"),
        ("search: text + facet", "/search?q=fraud&type=mlModel"),
        ("search: filter grammar", "/search?filter=" + quote("metrics.val_auc > 0.9")),
        ("model: overview", entity(CHURN)),
        ("model: model card", entity(CHURN, "card")),
        ("model: params & metrics", entity(CHURN, "metrics")),
        ("model: related", entity(CLF_V21, "related")),
        ("model: history", entity(CHURN, "history")),
        ("model: edit forms", entity(CHURN, "edit")),
        ("dataset: overview", entity(ORDERS)),
        ("deployment: overview", entity(ENDPOINT)),
        ("group: versions table", entity(GROUP)),
        ("experiment: runs table", entity(experiment_of(services, "orders_fraud_detection"))),
        ("lineage explorer", lineage(ENDPOINT)),
        ("lineage explorer + full ancestry", lineage(ENDPOINT, ancestry=True)),
        ("lineage diff", f"/compare?a={quote(CLF_V20)}&b={quote(CLF_V21)}"),
    ]


def synthetic_pages() -> list[tuple[str, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from catalog import deployment_urn, experiment_urn, group_urn, model_urn

    return [
        ("synthetic model: overview", entity(model_urn(0))),
        ("synthetic model: related", entity(model_urn(0), "related")),
        ("synthetic group: versions table", entity(group_urn(0))),
        ("synthetic experiment: runs table", entity(experiment_urn(0))),
        ("synthetic deployment: lineage explorer", lineage(deployment_urn(0))),
        ("synthetic deployment: full ancestry", lineage(deployment_urn(0), ancestry=True)),
    ]


def load_synthetic(services: Services, entities: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from catalog import Shape, load

    shape = Shape.of(entities)
    log(f"loading {shape.total:,} synthetic entities ...")
    last = [time.perf_counter()]

    def progress(n: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            log(f"  {n:,} aspects written")

    written, seconds = load(services, shape, progress=progress)
    log(f"loaded {written:,} aspects in {seconds:.0f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=int, default=50, help="renders per page (N)")
    ap.add_argument("--entities", type=int, default=0, help="synthetic catalog size; 0: demo only")
    ap.add_argument("--database-url", default="", help="PostgreSQL URL; SQLite when empty")
    ap.add_argument("--schema", default="bench_ui", help="PostgreSQL schema to (re)create")
    ap.add_argument(
        "--keep", type=Path, help="data dir to keep; reused when it holds a loaded catalog"
    )
    args = ap.parse_args()

    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="mlgraph-ui-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        marker = data_dir / f"loaded-pg-{args.schema}-{args.entities}"
        if not marker.exists():
            admin = create_engine(url)
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{args.schema}"'))
            admin.dispose()
        sep = "&" if "?" in url else "?"
        db_url = f"{url}{sep}options=-csearch_path%3D{args.schema}"
    else:
        marker = data_dir / f"loaded-sqlite-{args.entities}"
        db_url = f"sqlite:///{data_dir / 'mlgraph.db'}"
    backend = "postgresql" if args.database_url else "sqlite"

    services = build_services(Settings(data_dir=data_dir, database_url=db_url))
    app = create_app(services=services)
    try:
        with TestClient(app) as client:
            if not marker.exists():
                if args.entities:
                    load_synthetic(services, args.entities)
                with Client(http_client=client, actor="urn:li:corpuser:bench") as sdk:
                    write_demo(sdk)
                marker.write_text("loaded\n")
            total = sum(services.entities.counts().values())
            log(f"{total:,} entities on {backend}; {args.renders} renders per page")
            pages = demo_pages(services) + (synthetic_pages() if args.entities else [])
            rows = []
            for name, url in pages:
                first = client.get(url)  # warm: template compile, caches
                if first.status_code != 200:
                    raise SystemExit(f"{name}: {url} answered {first.status_code}")
                samples = []
                for _ in range(args.renders):
                    t = time.perf_counter()
                    r = client.get(url)
                    samples.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                p50, p95 = percentiles(samples)
                rows.append((name, p50, p95, len(first.content)))
                log(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    finally:
        services.close()

    print(f"\nUI server-side render, {total:,} entities, {backend}, N={args.renders}\n")
    print("| Page | p50 ms | p95 ms | HTML KB |")
    print("|---|---:|---:|---:|")
    for name, p50, p95, size in rows:
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {size / 1024:.1f} |")
    command = " ".join(["bench/ui_render.py", *sys.argv[1:]])
    print(f"\nReproduce: `.venv/bin/python {command}`")


if __name__ == "__main__":
    main()
