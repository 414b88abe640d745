"""Lineage and search benchmark (issue 3) at catalog scale.

Loads a synthetic ML catalog (bench/catalog.py; default 1,000,000 entities, about
3 million edges) through mlgraph's write path, serves it with `mlgraph serve`, and
times over HTTP: upstream lineage at depth 1, 3 and 5 from deployments, downstream
impact from datasets, and search queries (text, filter grammar, facets). The same run
times a raw recursive SQL query over the same edge table, for the ratio.

    .venv/bin/python bench/lineage_search.py                          # SQLite, 1M
    .venv/bin/python bench/lineage_search.py --entities 100000 --queries 100
    .venv/bin/python bench/lineage_search.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/test --schema bench1m
    .venv/bin/python bench/lineage_search.py --keep DIR   # keep (or reuse) the loaded DB

Progress goes to stderr; a markdown table for BENCHMARKS.md goes to stdout.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog import Shape, dataset_urn, deployment_urn, load
from servers import free_port, serving

from mlgraph.config import Settings
from mlgraph.runtime import build_services

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pg_url(url: str, schema: str) -> str:
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def server(data_dir: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    cmd = [str(ROOT / ".venv/bin/mlgraph"), "serve", "--port", str(port)]
    cmd += ["--data-dir", str(data_dir), "--database-url", database_url]
    with serving("mlgraph", cmd, data_dir, port, timeout=60) as (url, _):
        yield url


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(n: int, call: Callable[[int], object]) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


RAW_SQLITE = """
WITH RECURSIVE up(urn, depth) AS (
  SELECT :root, 0
  UNION
  SELECT e.target_urn, up.depth + 1 FROM up JOIN edges e ON e.source_urn = up.urn
   WHERE e.lineage = 'upstream' AND up.depth < :depth
  UNION
  SELECT e.source_urn, up.depth + 1 FROM up JOIN edges e ON e.target_urn = up.urn
   WHERE e.lineage = 'downstream' AND up.depth < :depth
)
SELECT count(DISTINCT urn) FROM up
"""
RAW_POSTGRES = """
WITH RECURSIVE up(urn, depth) AS (
  SELECT CAST(:root AS varchar), 0
  UNION
  SELECT CASE WHEN e.source_urn = up.urn THEN e.target_urn ELSE e.source_urn END, up.depth + 1
    FROM up JOIN edges e
      ON (e.source_urn = up.urn AND e.lineage = 'upstream')
      OR (e.target_urn = up.urn AND e.lineage = 'downstream')
   WHERE up.depth < :depth
)
SELECT count(DISTINCT urn) FROM up
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed queries of each kind first (steady state: a server's pooled "
        "connections prepare their statements and fill their caches over the first few)",
    )
    ap.add_argument("--database-url", default="", help="PostgreSQL URL; SQLite when empty")
    ap.add_argument("--schema", default="bench_lineage", help="PostgreSQL schema to (re)create")
    ap.add_argument(
        "--keep", type=Path, help="data dir to keep; reused when it holds a loaded catalog"
    )
    args = ap.parse_args()

    shape = Shape.of(args.entities)
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="mlgraph-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        admin = create_engine(
            args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        )
        marker = data_dir / f"loaded-pg-{args.schema}-{args.entities}"
        if not marker.exists():
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{args.schema}"'))
        db_url = pg_url(args.database_url, args.schema)
    else:
        marker = data_dir / f"loaded-sqlite-{args.entities}"
        db_url = f"sqlite:///{data_dir / 'mlgraph.db'}"
    backend = "postgresql" if args.database_url else "sqlite"

    load_rate = None
    if not marker.exists():
        services = build_services(Settings(data_dir=data_dir, database_url=db_url))
        log(f"loading {shape.total:,} entities into {backend} ...")
        last = [time.perf_counter()]

        def progress(n: int) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                log(f"  {n:,} aspects written")

        written, seconds = load(services, shape, progress=progress)
        counts = services.entities.counts()
        services.close()
        if args.database_url:
            # Planner statistics, and the visibility map that lets index-only scans skip
            # the heap: what autovacuum would give a loaded database after a while.
            # VACUUM cannot run inside a transaction block.
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(
                    text(
                        f'VACUUM (ANALYZE) "{args.schema}".entities, "{args.schema}".aspects, '
                        f'"{args.schema}".edges, "{args.schema}".entity_properties, '
                        f'"{args.schema}".search_docs'
                    )
                )
        load_rate = written / seconds
        log(
            f"loaded {written:,} aspects in {seconds:.0f}s ({load_rate:,.0f}/s); entities: {sum(counts.values()):,}"
        )
        marker.write_text(f"{written} {seconds}\n")

    rng = random.Random(11)
    roots = [deployment_urn(rng.randrange(shape.deployments)) for _ in range(args.queries)]
    sources = [dataset_urn(rng.randrange(shape.datasets)) for _ in range(args.queries)]
    results: dict[str, tuple[float, float, str]] = {}
    with server(data_dir, db_url) as url, httpx.Client(base_url=url, timeout=60) as http:
        stats = http.get("/api/v1/stats").json()
        edges_total = None
        log(f"serving {stats['total']:,} entities at {url}")

        def lineage(urn: str, direction: str, depth: int) -> dict:
            r = http.get(
                f"/api/v1/lineage/{quote(urn, safe='')}",
                params={"direction": direction, "depth": depth},
            )
            r.raise_for_status()
            return r.json()

        for depth in (1, 3, 5):
            for i in range(args.warmup):  # untimed
                lineage(roots[i % len(roots)], "upstream", depth)
            sizes: list[int] = []
            samples = timed(
                args.queries,
                lambda i, d=depth, out=sizes: out.append(
                    len(lineage(roots[i], "upstream", d)["nodes"])
                ),
            )
            p50, p95 = percentiles(samples)
            results[f"lineage upstream depth {depth} (from a deployment)"] = (
                p50,
                p95,
                f"{statistics.median(sizes):.0f} nodes",
            )
        sizes = []
        for i in range(args.warmup):  # untimed
            lineage(sources[i % len(sources)], "downstream", 3)
        samples = timed(
            args.queries, lambda i: sizes.append(len(lineage(sources[i], "downstream", 3)["nodes"]))
        )
        p50, p95 = percentiles(samples)
        results["impact: downstream depth 3 (from a dataset)"] = (
            p50,
            p95,
            f"{statistics.median(sizes):.0f} nodes",
        )

        searches: list[tuple[str, Callable[[int], dict]]] = [
            (
                "search: a model by name",
                lambda i: {"q": f"model_{rng.randrange(shape.models)}", "limit": 20},
            ),
            (
                "search: two words + type facet",
                lambda i: {
                    "q": f"fraud {rng.randrange(shape.models)}",
                    "type": "mlModel",
                    "limit": 20,
                },
            ),
            (
                "search: filter params/metrics on runs",
                lambda i: {
                    "filter": f"params.learning_rate = '3e-4' AND metrics.auc > 0.98 AND tags.dataset_version = 'v{i % 50}'",
                    "limit": 20,
                },
            ),
            (
                "search: owner + tag facets, no text",
                lambda i: {
                    "owner": f"urn:li:corpuser:{['ana', 'ben'][i % 2]}",
                    "tag": f"urn:li:tag:{['pii', 'tier1'][i % 2]}",
                    "limit": 20,
                    "facets": "false",
                },
            ),
            (
                "search: owner + tag facets, no text, facet counts on",
                lambda i: {
                    "owner": f"urn:li:corpuser:{['ana', 'ben'][i % 2]}",
                    "tag": f"urn:li:tag:{['pii', 'tier1'][i % 2]}",
                    "limit": 20,
                },
            ),
            (
                "search: one broad word (churn, fraud, ...), facet counts on",
                lambda i: {"q": ["churn", "fraud", "ranking", "forecast"][i % 4], "limit": 20},
            ),
        ]
        for label, make in searches:
            totals: list[int] = []

            def one(i: int, make: Callable[[int], dict] = make, out: list[int] = totals) -> None:
                r = http.get("/api/v1/search", params=make(i))
                r.raise_for_status()
                out.append(r.json()["total"])

            for i in range(args.warmup):  # untimed
                one(i % args.queries)
            samples = timed(args.queries, one)
            p50, p95 = percentiles(samples)
            results[label] = (p50, p95, f"{statistics.median(totals):.0f} matches")

    engine = create_engine(db_url)
    raw = RAW_POSTGRES if args.database_url else RAW_SQLITE
    with engine.connect() as conn:
        edges_total = conn.execute(text("SELECT count(*) FROM edges")).scalar_one()
        for depth in (1, 3, 5):
            counts: list[int] = []
            for i in range(args.warmup):  # untimed
                conn.execute(text(raw), {"root": roots[i % len(roots)], "depth": depth})
            samples = timed(
                args.queries,
                lambda i, d=depth, out=counts: out.append(
                    conn.execute(text(raw), {"root": roots[i], "depth": d}).scalar_one() - 1
                ),
            )
            p50, p95 = percentiles(samples)
            results[f"raw recursive SQL, upstream depth {depth} (same roots)"] = (
                p50,
                p95,
                f"{statistics.median(counts):.0f} nodes",
            )
    engine.dispose()

    print(
        f"\n{backend}, {shape.total:,} entities, {edges_total:,} edges, {args.queries} queries each"
        + f" after {args.warmup} untimed"
        + (f", loaded at {load_rate:,.0f} aspects/s" if load_rate else "")
    )
    print("\n| query | p50 ms | p95 ms | result size |\n|---|---|---|---|")
    for label, (p50, p95, size) in results.items():
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {size} |")
    for depth in (1, 3, 5):
        api = results[f"lineage upstream depth {depth} (from a deployment)"][1]
        base = results[f"raw recursive SQL, upstream depth {depth} (same roots)"][1]
        print(f"\nupstream depth {depth}: HTTP p95 / raw SQL p95 = {api / base:.1f}x")


if __name__ == "__main__":
    main()
