"""Batches far larger than the store's 500-key read chunks, written through the API:
every row of every table lands (or none does), on each backend's bulk statements."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import model_urn, path, upsert

N = 1_201  # crosses two 500-key chunk boundaries


def run_urn(i: int, generation: str) -> str:
    return f"urn:li:dataProcessInstance:run-{generation}-{i}"


def props(i: int, word: str, generation: str) -> dict:
    return {
        "name": f"bulk {i}",
        "description": f"{word} model {i}",
        "trainingJobs": [run_urn(i, generation)],
        "hyperParams": [{"name": "depth", "value": str(i % 7)}],
        "trainingMetrics": [{"name": "auc", "value": str(0.5 + (i % 2) / 4)}],
    }


def write(client: TestClient, proposals: list[dict]) -> list[dict]:
    r = client.post("/api/v1/proposals", json={"proposals": proposals})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def search_total(client: TestClient, **params: object) -> int:
    r = client.get("/api/v1/search", params={"limit": 1, **params})
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def version(client: TestClient, urn: str, aspect: str) -> int:
    return int(client.get(path(urn, "aspects", aspect)).json()["version"])


def test_a_large_batch_creates_then_rewrites_every_aspect_edge_and_index_row(
    client: TestClient,
) -> None:
    models = [model_urn(f"bulk-{i}") for i in range(N)]
    created = write(
        client,
        [upsert(u, "mlModelProperties", props(i, "quokka", "a")) for i, u in enumerate(models)],
    )
    assert {(r["version"], r["changed"]) for r in created} == {(1, True)}
    assert client.get("/api/v1/stats").json()["total"] == N

    rewritten = write(
        client,
        [
            upsert(u, "mlModelProperties", props(i, "wombat", "b"), expected_version=1)
            for i, u in enumerate(models)
        ],
    )
    assert {(r["version"], r["changed"]) for r in rewritten} == {(2, True)}

    for i in (0, 499, 500, 1000, N - 1):
        urn = models[i]
        history = client.get(path(urn, "aspects", "mlModelProperties", "history")).json()
        assert [v["version"] for v in history["versions"]] == [2, 1]
        assert history["versions"][1]["value"]["description"] == f"quokka model {i}"
        out = client.get(path(urn, "relationships"), params={"direction": "outgoing"}).json()
        assert [(r["type"], r["urn"]) for r in out["relationships"]] == [
            ("TrainedBy", run_urn(i, "b"))
        ]
    assert search_total(client, q="quokka") == 0
    assert search_total(client, q="wombat") == N
    assert search_total(client, filter="metrics.auc > 0.6") == N // 2
    assert search_total(client, filter="params.depth = '3'") == len(range(3, N, 7))


def test_a_large_batch_with_one_stale_version_at_the_end_changes_nothing(
    client: TestClient,
) -> None:
    models = [model_urn(f"bulk-{i}") for i in range(N)]
    write(
        client,
        [upsert(u, "mlModelProperties", props(i, "quokka", "a")) for i, u in enumerate(models)],
    )
    batch = [
        upsert(u, "mlModelProperties", props(i, "wombat", "b"), expected_version=1)
        for i, u in enumerate(models)
    ]
    batch[-1]["expected_version"] = 2
    r = client.post("/api/v1/proposals", json={"proposals": batch})
    assert r.status_code == 409
    assert "expected version 2, found version 1" in r.json()["error"]["message"]
    assert {version(client, u, "mlModelProperties") for u in models[::100]} == {1}
    assert search_total(client, q="wombat") == 0
    assert search_total(client, q="quokka") == N
    out = client.get(path(models[0], "relationships"), params={"direction": "outgoing"}).json()
    assert [r["urn"] for r in out["relationships"]] == [run_urn(0, "a")]


def test_large_batches_remove_restore_and_fill_in_platforms(client: TestClient) -> None:
    runs = [run_urn(i, "a") for i in range(N)]
    created = {"time": 1_700_000_000_000, "actor": "urn:li:corpuser:ana"}
    write(
        client,
        [upsert(u, "dataProcessInstanceProperties", {"name": u, "created": created}) for u in runs],
    )
    assert client.get(path(runs[-1])).json()["platform"] is None

    platform = {"platform": "urn:li:dataPlatform:mlflow"}
    write(client, [upsert(u, "dataPlatformInstance", platform) for u in runs])
    assert {client.get(path(u)).json()["platform"] for u in runs[::100]} == {"mlflow"}

    write(client, [{"op": "delete_entity", "urn": u} for u in runs])
    listed = client.get("/api/v1/entities", params={"type": "dataProcessInstance"}).json()
    assert listed["entities"] == []
    assert search_total(client, type="dataProcessInstance") == 0

    write(client, [{"op": "restore_entity", "urn": u} for u in runs])
    assert {client.get(path(u)).json()["removed"] for u in runs[::100]} == {False}
    assert search_total(client, type="dataProcessInstance") == N
