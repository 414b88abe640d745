"""Ingest benchmark (issue 2): the SDK upserts N entities x 5 aspects over HTTP into a
real `mlgraph serve` on SQLite, beside a raw sqlite3 `executemany` of the same rows and a
raw replay of every row the server stored (its derived tables too): SQLite's own floor.

    .venv/bin/python bench/ingest.py                       # 100,000 entities, 3 repeats
    .venv/bin/python bench/ingest.py --entities 10000 --repeats 1 --concurrency 1

Every repeat starts a fresh server on a free loopback port with a fresh data directory,
and a fresh raw database. Figures are medians over the repeats; the markdown table on
stdout pastes into BENCHMARKS.md, progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psutil
from servers import free_port, serving

from mlgraph.sdk import Client, Dataset, Entity, MLModel, WriteResult
from mlgraph.sdk.entity_client import MAX_BATCH

ASPECTS_PER_ENTITY = 5
TARGET = 30_000  # aspects/s, end to end (issue 2)
ACTOR = "urn:li:corpuser:bench"

# -- the workload ------------------------------------------------------------------

_TYPES = ["string", "bigint", "double", "timestamp", "boolean", "date", "decimal", "varchar"]
_TEAMS = ["data-eng", "ml-platform", "growth", "risk", "search"]
_USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
_TAGS = ["pii", "tier1", "tier2", "gold", "raw", "production", "experimental"]


def make_dataset(i: int, rng: random.Random) -> Dataset:
    """datasetProperties, dataPlatformInstance, schemaMetadata, ownership, globalTags."""
    name = f"warehouse.schema_{i % 97}.table_{i}"
    columns = [
        (f"col_{c}", rng.choice(_TYPES), f"column {c} of table {i}" if c % 3 == 0 else None)
        for c in range(rng.randint(3, 12))
    ]
    return Dataset(
        rng.choice(["snowflake", "bigquery", "hive", "s3"]),
        name,
        display_name=f"table_{i}",
        description=f"Table {i}: one row per event, partitioned by day.",
        schema=[(n, t, d) if d else (n, t) for n, t, d in columns],
        owners=[rng.choice(_USERS), f"urn:li:corpGroup:{rng.choice(_TEAMS)}"],
        tags=rng.sample(_TAGS, rng.randint(1, 3)),
    )


def make_model(i: int, rng: random.Random) -> MLModel:
    """mlModelProperties (hyperParams, metrics, trainingJobs, groups),
    dataPlatformInstance, versionProperties, ownership, globalTags."""
    group = i // 20
    return MLModel(
        f"model_{group}_v{i % 20 + 1}",
        rng.choice(["mlflow", "sagemaker", "vertexai"]),
        name=f"model {group}",
        description=f"Gradient-boosted classifier #{group}, retrained weekly.",
        version=str(i % 20 + 1),
        model_type="gbdt",
        hyper_params={
            "learning_rate": round(rng.uniform(0.001, 0.3), 4),
            "max_depth": rng.randint(3, 12),
            "n_estimators": rng.choice([100, 200, 500]),
        },
        training_metrics={"auc": round(rng.random(), 4), "logloss": round(rng.random(), 4)},
        model_group=f"urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,group_{group},PROD)",
        training_jobs=[f"urn:li:dataProcessInstance:run_{i}"],
        owners=[rng.choice(_USERS)],
        tags=rng.sample(_TAGS, rng.randint(1, 2)),
    )


def build_entities(n: int, seed: int = 2) -> list[Entity]:
    """A 60/40 mix of datasets and models, the same for a given `n` and `seed`."""
    rng = random.Random(seed)
    return [make_dataset(i, rng) if i % 5 < 3 else make_model(i, rng) for i in range(n)]


def aspect_rows(entities: Sequence[Entity]) -> list[tuple[str, str, bytes]]:
    """(urn, aspect, value JSON) of every aspect: the bytes the SDK sends for it."""
    rows: list[tuple[str, str, bytes]] = []
    for entity in entities:
        names = entity.aspect_names
        if len(names) != ASPECTS_PER_ENTITY:
            raise SystemExit(f"{entity.urn} has {len(names)} aspects, not 5: {names}")
        rows.extend((entity.urn, n, orjson.dumps(entity.aspect_value(n))) for n in names)
    return rows


# -- measurements ------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    rows: int
    wall: float
    server_cpu: float | None = None
    server_rss: int | None = None
    client_cpu: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.wall


def raw_sqlite(rows: Sequence[tuple[str, str, bytes]], workdir: Path) -> Figures:
    """The same rows into a table shaped like mlgraph's `aspects`, one transaction."""
    path = workdir / "raw.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE aspects (urn VARCHAR NOT NULL, aspect VARCHAR(128) NOT NULL, "
        "version INTEGER NOT NULL, value TEXT NOT NULL, created_at BIGINT NOT NULL, "
        "actor VARCHAR(512) NOT NULL, run_id VARCHAR(255), PRIMARY KEY (urn, aspect))"
    )
    now = int(time.time() * 1000)
    params = [(u, a, 1, v.decode(), now, ACTOR, None) for u, a, v in rows]
    cpu0, t0 = time.process_time(), time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO aspects VALUES (?, ?, ?, ?, ?, ?, ?)", params)
    conn.execute("COMMIT")
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    stored = conn.execute("SELECT count(*) FROM aspects").fetchone()[0]
    conn.close()
    if stored != len(rows):
        raise SystemExit(f"raw sqlite stored {stored} rows, expected {len(rows)}")
    return Figures("raw sqlite3 executemany", len(rows), wall, client_cpu=cpu)


# The tables mlgraph's write path fills for a new entity, in the order it fills them.
# `search_docs` rows feed the full-text index and `entities` rows the per-type counters
# through triggers, which the replay fires as the server did.
_WRITTEN = {
    "entities": "urn, entity_type, platform, name, env, removed, created_at, updated_at",
    "aspects": "urn, aspect, version, value, created_at, actor, run_id",
    "edges": "source_urn, aspect, rel, target_urn, lineage",
    "entity_properties": "urn, aspect, kind, key, value_text, value_num",
    "search_docs": "urn, text",
}


def raw_replay(server_db: Path, batches: int, workdir: Path) -> Figures:
    """SQLite's own share of the work: every row the server stored, read back from its
    file and inserted with raw sqlite3 `executemany` into a fresh database with
    mlgraph's schema (indexes, triggers and full-text index included), in as many
    transactions as the server committed. No Python between rows: the floor under
    what any Python on top of this schema can reach."""
    from mlgraph.store.checkpoint import Checkpointer
    from mlgraph.store.engine import (
        CHECKPOINT_WAL_BYTES,
        WAL_AUTOCHECKPOINT_PAGES,
        WRITE_CACHE_KIB,
        build_engines,
    )
    from mlgraph.store.migrate import upgrade

    path = workdir / "replay.db"
    engines = build_engines(f"sqlite:///{path}")
    upgrade(engines.write)
    engines.dispose()
    with sqlite3.connect(f"file:{server_db}?mode=ro", uri=True) as src:
        tables = {
            t: src.execute(f"SELECT {cols} FROM {t} ORDER BY rowid").fetchall()
            for t, cols in _WRITTEN.items()
        }
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (  # the settings of the server's write connection
        "journal_mode=WAL",
        "synchronous=NORMAL",
        f"cache_size=-{WRITE_CACHE_KIB}",
        f"wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}",
        "journal_size_limit=0",
    ):
        conn.execute(f"PRAGMA {pragma}")
    # and its checkpoints, in a thread of their own (their CPU counts in `cpu` below)
    checkpointer = Checkpointer(path, wal_bytes=CHECKPOINT_WAL_BYTES).start()
    sql = {
        t: f"INSERT INTO {t} ({cols}) VALUES ({', '.join('?' * (cols.count(',') + 1))})"
        for t, cols in _WRITTEN.items()
    }
    spent = dict.fromkeys([*tables, "commit"], 0.0)  # CPU seconds by step
    cpu0, t0 = time.process_time(), time.perf_counter()
    for k in range(batches):
        conn.execute("BEGIN IMMEDIATE")
        for t, rows in tables.items():
            step = -(-len(rows) // batches)
            c = time.process_time()
            conn.executemany(sql[t], rows[k * step : (k + 1) * step])
            spent[t] += time.process_time() - c
        c = time.process_time()
        conn.execute("COMMIT")
        spent["commit"] += time.process_time() - c
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    checkpointer.stop()
    conn.close()
    aspects = len(tables["aspects"])
    log(
        "raw replay, SQLite CPU µs per aspect: "
        + ", ".join(f"{t} {v / aspects * 1e6:.1f}" for t, v in spent.items())
    )
    return Figures("raw sqlite3, mlgraph's rows", aspects, wall, client_cpu=cpu)


@contextmanager
def mlgraph_server(data_dir: Path) -> Iterator[tuple[str, psutil.Process]]:
    """A real `mlgraph serve` (uvicorn) subprocess, up and answering /health."""
    port = free_port()
    cmd = [sys.executable, "-m", "mlgraph.cli.main", "serve", "--port", str(port)]
    with serving("mlgraph", [*cmd, "--data-dir", str(data_dir)], data_dir, port) as up:
        yield up


def peak_rss(proc: psutil.Process) -> int:
    """The process's high-water RSS (Linux VmHWM), else its current RSS."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss: int = proc.memory_info().rss
    return rss


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def upsert_all(url: str, entities: Sequence[Entity], concurrency: int) -> list[WriteResult]:
    """concurrency 1: one `client.entities.upsert(all)` (the SDK splits it into
    requests of MAX_BATCH proposals). Otherwise that many threads, each with its own
    client, upsert MAX_BATCH-proposal slices taken from a shared queue."""
    if concurrency == 1:
        with Client(url, actor=ACTOR) as client:
            return client.entities.upsert(entities)
    step = MAX_BATCH // ASPECTS_PER_ENTITY
    work: queue.SimpleQueue[tuple[int, Sequence[Entity]]] = queue.SimpleQueue()
    for k, start in enumerate(range(0, len(entities), step)):
        work.put((k, entities[start : start + step]))
    done: dict[int, list[WriteResult]] = {}
    errors: list[BaseException] = []

    def worker() -> None:
        with Client(url, actor=ACTOR) as client:
            while not errors:
                try:
                    k, chunk = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    done[k] = client.entities.upsert(chunk)
                except BaseException as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [r for k in sorted(done) for r in done[k]]


def through_mlgraph(entities: Sequence[Entity], concurrency: int, workdir: Path) -> list[Figures]:
    data_dir = workdir / f"mlgraph-c{concurrency}"
    data_dir.mkdir()
    expected = len(entities) * ASPECTS_PER_ENTITY
    with mlgraph_server(data_dir) as (url, server):
        cpu_s0, cpu_c0 = cpu_seconds(server), time.process_time()
        t0 = time.perf_counter()
        results = upsert_all(url, entities, concurrency)
        wall = time.perf_counter() - t0
        server_cpu = cpu_seconds(server) - cpu_s0
        client_cpu = time.process_time() - cpu_c0
        rss = peak_rss(server)
        stats = httpx.get(f"{url}/api/v1/stats", timeout=30).json()
    written = sum(1 for r in results if r.changed and r.version == 1)
    if len(results) != expected or written != expected:
        raise SystemExit(f"sent {len(results)} proposals, {written} written; expected {expected}")
    if stats["total"] != len(entities):
        raise SystemExit(f"server counts {stats['total']} entities, expected {len(entities)}")
    # /stats counts entities only; count the aspect rows in the file the server wrote.
    with sqlite3.connect(f"file:{data_dir / 'mlgraph.db'}?mode=ro", uri=True) as db:
        stored = db.execute("SELECT count(*) FROM aspects").fetchone()[0]
    if stored != expected:
        raise SystemExit(f"server stored {stored} aspects, expected {expected}")
    mlgraph = Figures(
        f"mlgraph SDK upsert, {concurrency} client thread{'s' if concurrency > 1 else ''}",
        len(results),
        wall,
        server_cpu,
        rss,
        client_cpu,
    )
    if concurrency != 1:
        return [mlgraph]
    batches = -(-expected // MAX_BATCH)
    return [mlgraph, raw_replay(data_dir / "mlgraph.db", batches, workdir)]


# -- report ------------------------------------------------------------------------


def _median(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(runs: dict[str, list[Figures]], raw_label: str) -> str:
    raw_rate = _median([f.rate for f in runs[raw_label]])
    lines = [
        "| path | rows sent | wall s | rows/s | vs raw | server CPU s | server CPU µs/row "
        "| server peak RSS MiB | client CPU s | client CPU µs/row |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, figs in runs.items():
        rows = figs[0].rows
        rate = _median([f.rate for f in figs])
        scpu = _median([f.server_cpu for f in figs])
        ccpu = _median([f.client_cpu for f in figs])
        rss = _median([f.server_rss for f in figs])
        ratio = None if rate is None or raw_rate is None else rate / raw_rate
        lines.append(
            f"| {label} | {rows:,} | {_fmt(_median([f.wall for f in figs]), '.2f')} "
            f"| {_fmt(rate, ',.0f')} | {_fmt(ratio, '.2f')} | {_fmt(scpu, '.1f')} "
            f"| {_fmt(None if scpu is None else scpu / rows * 1e6, '.0f')} "
            f"| {_fmt(None if rss is None else rss / 2**20, '.0f')} | {_fmt(ccpu, '.1f')} "
            f"| {_fmt(None if ccpu is None else ccpu / rows * 1e6, '.0f')} |"
        )
    return "\n".join(lines)


def source() -> str:
    """Where the mlgraph under test comes from, with its git commit when there is one."""
    import mlgraph

    where = Path(mlgraph.__file__).parent
    git = ["git", "-C", str(where)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"mlgraph {mlgraph.__version__} from {where}"
    return f"mlgraph at {commit}{' + uncommitted changes' if dirty else ''}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--concurrency",
        default="1,2",
        help="client threads to measure, comma-separated (default 1,2)",
    )
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",")]

    t0, cpu0 = time.perf_counter(), time.process_time()
    entities = build_entities(args.entities)
    rows = aspect_rows(entities)
    build_cpu = time.process_time() - cpu0
    log(
        f"built {len(entities):,} entities, {len(rows):,} aspects "
        f"({sum(len(v) for *_, v in rows) / len(rows):.0f} B mean value) "
        f"in {time.perf_counter() - t0:.1f} s, {build_cpu / len(entities) * 1e6:.0f} µs CPU/entity"
    )

    raw_label = "raw sqlite3 executemany"
    runs: dict[str, list[Figures]] = {}
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="mlgraph-bench-") as tmp:
            work = Path(tmp)
            figs = [raw_sqlite(rows, work)]
            # upsert sends every aspect whatever the entity last sent, so reusing is fine.
            for level in levels:
                figs.extend(through_mlgraph(entities, level, work))
            shutil.rmtree(work, ignore_errors=True)
        for f in figs:
            runs.setdefault(f.label, []).append(f)
            extra = "" if f.server_cpu is None else f", server CPU {f.server_cpu:.1f} s"
            log(f"repeat {repeat + 1}: {f.label}: {f.rate:,.0f} rows/s ({f.wall:.1f} s{extra})")

    best = max(_median([f.rate for f in runs[k]]) or 0 for k in runs if k.startswith("mlgraph"))
    print(
        f"<!-- {time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {source()}; medians of {args.repeats} -->"
    )
    print(table(runs, raw_label))
    print(
        f"\nTarget {TARGET:,} aspects/s: {'met' if best >= TARGET else 'NOT met'} "
        f"(best median {best:,.0f} aspects/s)."
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
