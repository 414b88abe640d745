"""Entity counts per type (the home page, /api/v1/stats) come from a table the database
keeps in step by triggers; they must equal a count of the entities themselves after
every kind of write, committed or rolled back, on both backends."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import case, func, select, text

from mlgraph.config import Settings
from mlgraph.runtime import Services, build_services
from mlgraph.services.proposals import Op, Proposal
from mlgraph.store.migrate import alembic_config, upgrade
from mlgraph.store.schema import entities, entity_counts
from tests.helpers import DATASET, MODEL, model_urn, path, upsert

PROPS = {"name": "Churn"}


def _scanned(services: Services) -> dict[str, tuple[int, int]]:
    """(live, soft-deleted) per type, counted the slow way."""
    stmt = select(
        entities.c.entity_type,
        func.sum(case((entities.c.removed.is_(False), 1), else_=0)),
        func.sum(case((entities.c.removed.is_(True), 1), else_=0)),
    ).group_by(entities.c.entity_type)
    with services.engines.reading() as conn:
        return {t: (int(live), int(gone)) for t, live, gone in conn.execute(stmt)}


def _stats(client: TestClient) -> dict[str, int]:
    return client.get("/api/v1/stats").json()["entities"]


def _check(client: TestClient, services: Services, live: dict[str, int]) -> None:
    assert _stats(client) == live
    kept = {t: pair for t, pair in services.entities.overview.entity_counts().items() if any(pair)}
    assert kept == {t: pair for t, pair in _scanned(services).items() if any(pair)}


def test_counts_follow_create_soft_delete_restore_and_hard_delete(
    client: TestClient, services: Services
) -> None:
    _check(client, services, {})
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    client.put(path(model_urn("b"), "aspects", "mlModelProperties"), json=PROPS)
    client.put(path(DATASET, "aspects", "datasetProperties"), json={"name": "orders"})
    _check(client, services, {"mlModel": 2, "dataset": 1})

    assert client.delete(path(MODEL)).status_code == 200
    _check(client, services, {"mlModel": 1, "dataset": 1})
    assert services.entities.overview.entity_counts()["mlModel"] == (1, 1)
    assert client.delete(path(MODEL)).status_code == 200  # deleting twice counts once
    _check(client, services, {"mlModel": 1, "dataset": 1})

    assert client.post(path(MODEL, "restore")).status_code == 200
    _check(client, services, {"mlModel": 2, "dataset": 1})

    # The status aspect is the other way to soft-delete.
    r = client.put(path(DATASET, "aspects", "status"), json={"removed": True})
    assert r.status_code == 200
    _check(client, services, {"mlModel": 2})

    # Hard delete of a live entity and of a soft-deleted one.
    assert client.delete(path(MODEL), params={"hard": "true"}).status_code == 200
    assert client.delete(path(DATASET), params={"hard": "true"}).status_code == 200
    _check(client, services, {"mlModel": 1})
    assert services.entities.overview.entity_counts() == {"mlModel": (1, 0)}

    html = client.get("/").text
    assert "1 entities" in html


def test_a_rolled_back_batch_leaves_the_counts_alone(
    client: TestClient, services: Services
) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    batch = [
        upsert(DATASET, "datasetProperties", {"name": "orders"}),
        upsert(model_urn("new"), "mlModelProperties", PROPS),
        {"op": "delete_entity", "urn": MODEL},
        upsert(MODEL, "globalTags", {"tags": []}, expected_version=7),
    ]
    r = client.post("/api/v1/proposals", json={"proposals": batch})
    assert r.status_code == 409
    _check(client, services, {"mlModel": 1})


def test_a_batch_creating_and_deleting_counts_what_it_leaves(
    client: TestClient, services: Services
) -> None:
    batch = [
        upsert(model_urn(f"m{i}"), "mlModelProperties", {"name": f"m{i}"}) for i in range(5)
    ] + [
        upsert(DATASET, "datasetProperties", {"name": "orders"}),
        upsert(model_urn("m0"), "status", {"removed": True}),
    ]
    r = client.post("/api/v1/proposals", json={"proposals": batch})
    assert r.status_code == 200, r.text
    _check(client, services, {"mlModel": 4, "dataset": 1})


def test_concurrent_writers_of_several_types_neither_wait_nor_lose_counts(
    services: Services,
) -> None:
    """On PostgreSQL writers run in parallel; two batches touching the same types in
    opposite orders must neither deadlock nor lose a count."""
    writers, rounds = 4, 5
    barrier = threading.Barrier(writers)

    def write(i: int) -> None:
        barrier.wait()
        for j in range(rounds):
            batch = [
                Proposal(Op.UPSERT, model_urn(f"w{i}-{j}"), "mlModelProperties", value=PROPS),
                Proposal(
                    Op.UPSERT,
                    f"urn:li:dataset:(urn:li:dataPlatform:s3,w{i}-{j},PROD)",
                    "datasetProperties",
                    value={"name": "d"},
                ),
            ]
            services.writes.apply(batch if i % 2 else batch[::-1])

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    n = writers * rounds
    assert services.entities.counts() == {"mlModel": n, "dataset": n}
    assert services.entities.overview.entity_counts() == _scanned(services)


def test_counts_survive_the_connections_that_made_them(services: Services) -> None:
    """PostgreSQL counts per connection; once those connections close, their counts
    are folded into one row per type and nothing is lost."""
    for i in range(3):
        services.writes.apply(
            [Proposal(Op.UPSERT, model_urn(f"m{i}"), "mlModelProperties", value=PROPS)]
        )
    url = services.settings.database_url
    services.engines.dispose()  # every connection that wrote is gone
    later = build_services(
        Settings(environment="test", database_url=url, data_dir=services.settings.data_dir)
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            later.entities.overview.fold_slots()
            with later.engines.reading() as conn:
                slots = conn.execute(select(entity_counts.c.slot)).scalars().all()
            if set(slots) == {0} or time.monotonic() > deadline:
                break
            time.sleep(0.1)  # a closed backend leaves pg_stat_activity a moment later
        assert slots == [0]
        assert later.entities.counts() == {"mlModel": 3}
    finally:
        later.close()


def test_upgrading_counts_the_entities_already_there(services: Services) -> None:
    """Migration 0005 backfills the counts of a database written before it."""
    services.writes.apply(
        [
            Proposal(Op.UPSERT, model_urn(f"m{i}"), "mlModelProperties", value=PROPS)
            for i in range(3)
        ]
        + [Proposal(Op.DELETE_ENTITY, model_urn("m0"))]
    )
    cfg = alembic_config()
    with services.engines.write.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with services.engines.reading() as conn:
        tables = {
            r[0]
            for r in conn.execute(
                text(
                    "SELECT name FROM sqlite_master"
                    if services.engines.is_sqlite
                    else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            )
        }
    assert "entity_counts" not in tables
    upgrade(services.engines.write)
    assert services.entities.overview.entity_counts() == {"mlModel": (2, 1)}
