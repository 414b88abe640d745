"""The MLflow API's own state does not grow with the catalog: experiments' ids and
names are rows under unique constraints, not one index document rewritten (and
versioned) on every create; a registered model's state stays the same size however
many versions it has."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlgraph.integrations.mlflow.urns import model_group_urn
from mlgraph.runtime import Services
from mlgraph.store.schema import aspect_history, external_ids

P = "/api/2.0/mlflow"
N = 400


def ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def history(services: Services, aspect: str | None = None) -> tuple[int, int]:
    """Rows and bytes of aspect history (of one aspect)."""
    h = aspect_history.c
    stmt = select(func.count(), func.coalesce(func.sum(func.length(h.value)), 0))
    if aspect is not None:
        stmt = stmt.where(h.aspect == aspect)
    with services.engines.write.connect() as conn:
        rows, size = conn.execute(stmt).one()
    return int(rows), int(size)


def test_creates_write_rows_not_a_growing_document(
    mlflow_app: TestClient, services: Services
) -> None:
    ids = [
        ok(mlflow_app.post(f"{P}/experiments/create", json={"name": f"exp-{i:03d}"}))[
            "experiment_id"
        ]
        for i in range(N)
    ]
    assert ids == [str(i) for i in range(1, N + 1)]
    rows, size = history(services)
    # Creating writes first versions, which have no history; 400 creates used to leave
    # 400 versions of the index, about 6 MB of them.
    assert rows == 0 and size == 0
    with services.engines.write.connect() as conn:
        count = conn.execute(select(func.count()).select_from(external_ids)).scalar_one()
    assert count == N + 1  # and Default

    found = ok(
        mlflow_app.get(f"{P}/experiments/get-by-name", params={"experiment_name": "exp-399"})
    )
    assert found["experiment"]["experiment_id"] == str(N)
    listed = ok(mlflow_app.post(f"{P}/experiments/search", json={"max_results": 1000}))
    assert len(listed["experiments"]) == N + 1
    # Renaming one writes a row and its own aspects' versions, nothing that grows with N.
    ok(mlflow_app.post(f"{P}/experiments/update", json={"experiment_id": "7", "new_name": "seven"}))
    rows, size = history(services)
    assert rows <= 3 and size < 5_000


def test_names_stay_unique_and_ids_are_never_reused(mlflow_app: TestClient) -> None:
    first = ok(mlflow_app.post(f"{P}/experiments/create", json={"name": "a"}))["experiment_id"]
    again = mlflow_app.post(f"{P}/experiments/create", json={"name": "a"})
    assert again.status_code == 400 and again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    ok(mlflow_app.post(f"{P}/experiments/update", json={"experiment_id": first, "new_name": "b"}))
    taken = mlflow_app.post(f"{P}/experiments/create", json={"name": "b"})
    assert taken.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    # The old name is free again; the new experiment gets a new id and a URN of its own.
    second = ok(mlflow_app.post(f"{P}/experiments/create", json={"name": "a"}))["experiment_id"]
    assert int(second) == int(first) + 1
    got = ok(mlflow_app.get(f"{P}/experiments/get", params={"experiment_id": first}))
    assert got["experiment"]["name"] == "b"


def test_a_model_s_state_stays_small_however_many_versions(mlflow_app: TestClient) -> None:
    ok(mlflow_app.post(f"{P}/registered-models/create", json={"name": "m"}))
    for _ in range(120):
        body = {"name": "m", "source": "s3://models/m"}
        ok(mlflow_app.post(f"{P}/model-versions/create", json=body))
    state = ok(mlflow_app.get(f"{P}/registered-models/get", params={"name": "m"}))
    assert [v["version"] for v in state["registered_model"]["latest_versions"]] == ["120"]
    services: Services = mlflow_app.app.state.services  # type: ignore[attr-defined]
    state = services.entities.aspect(model_group_urn("m"), "mlflowRegisteredModel")
    assert len(orjson.dumps(state.value)) < 300  # about 150 bytes, as with one version
    # MLflow's own state keeps no history (the group's aspects, mapped from it, do);
    # the registry events' does: it is the audit trail.
    assert history(services, "mlflowRegisteredModel") == (0, 0)
    assert history(services, "mlflowRegistryState")[0] == 0  # nothing moved yet
    ok(
        mlflow_app.request(
            "DELETE", f"{P}/model-versions/delete", json={"name": "m", "version": "120"}
        )
    )
    state = ok(mlflow_app.get(f"{P}/registered-models/get", params={"name": "m"}))
    assert [v["version"] for v in state["registered_model"]["latest_versions"]] == ["119"]
