"""Writing aspects: versions, history, batches that are all-or-nothing, conflicts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from mlgraph.errors import Conflict
from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal, WriteContext
from tests.helpers import DATASET, MODEL, RUN, model_urn, path, upsert

PROPS = {"name": "Churn", "hyperParams": [{"name": "lr", "value": "0.1"}]}


def test_put_then_get_returns_the_value_and_version(client: TestClient) -> None:
    r = client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    assert r.status_code == 200
    assert r.json()["results"][0] == {
        "op": "upsert",
        "urn": MODEL,
        "aspect": "mlModelProperties",
        "version": 1,
        "changed": True,
    }
    entity = client.get(path(MODEL)).json()
    assert entity["type"] == "mlModel"
    assert (entity["platform"], entity["name"], entity["env"]) == ("mlflow", "churn", "PROD")
    got = entity["aspects"]["mlModelProperties"]
    assert got["version"] == 1
    assert got["value"]["name"] == "Churn"
    assert got["value"]["hyperParams"] == [{"name": "lr", "value": "0.1"}]


def test_writing_the_same_value_again_creates_no_version(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    r = client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    assert r.json()["results"][0]["changed"] is False
    assert r.json()["results"][0]["version"] == 1


def test_history_lists_every_write_with_actor_and_time(client: TestClient) -> None:
    for i, actor in enumerate(["urn:li:corpuser:ana", "urn:li:corpuser:ben", "urn:li:corpuser:cy"]):
        body = {**PROPS, "description": f"v{i + 1}"}
        r = client.put(
            path(MODEL, "aspects", "mlModelProperties"),
            json=body,
            headers={"X-Mlgraph-Actor": actor, "X-Mlgraph-Run-Id": f"ingest-{i}"},
        )
        assert r.status_code == 200
    history = client.get(path(MODEL, "aspects", "mlModelProperties", "history")).json()["versions"]
    assert [v["version"] for v in history] == [3, 2, 1]
    assert [v["actor"] for v in history] == [
        "urn:li:corpuser:cy",
        "urn:li:corpuser:ben",
        "urn:li:corpuser:ana",
    ]
    assert [v["run_id"] for v in history] == ["ingest-2", "ingest-1", "ingest-0"]
    assert [v["value"]["description"] for v in history] == ["v3", "v2", "v1"]
    assert history[0]["created_at"] >= history[1]["created_at"] >= history[2]["created_at"] > 0
    old = client.get(path(MODEL, "aspects", "mlModelProperties"), params={"version": 1}).json()
    assert old["value"]["description"] == "v1"
    assert old["actor"] == "urn:li:corpuser:ana"


def test_diff_between_two_versions_names_each_change(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    changed = {"name": "Churn", "hyperParams": [{"name": "lr", "value": "0.3"}], "type": "xgboost"}
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=changed)
    d = client.get(path(MODEL, "aspects", "mlModelProperties", "diff"), params={"from": 1, "to": 2})
    changes = {c["path"]: c for c in d.json()["changes"]}
    assert changes["/hyperParams/lr/value"] == {
        "path": "/hyperParams/lr/value",
        "kind": "changed",
        "old": "0.1",
        "new": "0.3",
    }
    assert changes["/type"]["kind"] == "added"


def test_a_batch_with_one_invalid_proposal_in_the_middle_changes_nothing(
    client: TestClient,
) -> None:
    other = model_urn("other")
    batch = [
        upsert(MODEL, "mlModelProperties", PROPS),
        upsert(other, "mlModelProperties", {"name": ["not", "a", "string"]}),
        upsert(DATASET, "datasetProperties", {"name": "orders"}),
    ]
    r = client.post("/api/v1/proposals", json={"proposals": batch})
    assert r.status_code == 422
    assert "proposals[1]" in r.json()["error"]["message"]
    assert "name" in r.json()["error"]["message"]
    for urn in (MODEL, other, DATASET):
        assert client.get(path(urn)).status_code == 404


def test_a_batch_failing_while_applying_rolls_back_earlier_writes(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    batch = [
        upsert(DATASET, "datasetProperties", {"name": "orders"}),
        upsert(MODEL, "mlModelProperties", {**PROPS, "description": "new"}),
        upsert(MODEL, "globalTags", {"tags": []}, expected_version=7),
    ]
    r = client.post("/api/v1/proposals", json={"proposals": batch})
    assert r.status_code == 409
    assert client.get(path(DATASET)).status_code == 404
    props = client.get(path(MODEL, "aspects", "mlModelProperties")).json()
    assert props["version"] == 1 and "description" not in props["value"]


def test_two_writers_with_the_same_expected_version_one_wins(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    a = client.put(
        path(MODEL, "aspects", "mlModelProperties"),
        json={**PROPS, "description": "from A"},
        params={"expected_version": 1},
    )
    b = client.put(
        path(MODEL, "aspects", "mlModelProperties"),
        json={**PROPS, "description": "from B"},
        params={"expected_version": 1},
    )
    assert a.status_code == 200
    assert b.status_code == 409
    assert b.json()["error"]["code"] == "conflict"
    assert "expected version 1, found version 2" in b.json()["error"]["message"]
    assert (
        client.get(path(MODEL, "aspects", "mlModelProperties")).json()["value"]["description"]
        == "from A"
    )


def test_concurrent_writers_racing_on_one_version_exactly_one_wins(services: Services) -> None:
    services.writes.apply([Proposal(Op.UPSERT, MODEL, "mlModelProperties", value=PROPS)])
    writers = 6
    barrier = threading.Barrier(writers)

    def write(i: int) -> str:
        barrier.wait()
        try:
            services.writes.apply(
                [
                    Proposal(
                        Op.UPSERT,
                        MODEL,
                        "mlModelProperties",
                        value={**PROPS, "description": str(i)},
                        expected_version=1,
                    )
                ],
                WriteContext(actor=f"urn:li:corpuser:w{i}"),
            )
            return "won"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(writers) as pool:
        outcomes = list(pool.map(write, range(writers)))
    assert sorted(outcomes) == ["conflict"] * (writers - 1) + ["won"]
    assert services.entities.aspect(MODEL, "mlModelProperties").version == 2


def test_expected_version_zero_means_create_only(client: TestClient) -> None:
    first = client.put(
        path(MODEL, "aspects", "mlModelProperties"), json=PROPS, params={"expected_version": 0}
    )
    again = client.put(
        path(MODEL, "aspects", "mlModelProperties"), json=PROPS, params={"expected_version": 0}
    )
    assert first.status_code == 200
    assert again.status_code == 409


def test_patch_applies_json_patch_and_validates_the_result(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    ok = client.patch(
        path(MODEL, "aspects", "mlModelProperties"),
        json=[{"op": "add", "path": "/hyperParams/-", "value": {"name": "depth", "value": "6"}}],
    )
    assert ok.status_code == 200 and ok.json()["results"][0]["version"] == 2
    params = client.get(path(MODEL, "aspects", "mlModelProperties")).json()["value"]["hyperParams"]
    assert params == [{"name": "lr", "value": "0.1"}, {"name": "depth", "value": "6"}]
    bad = client.patch(
        path(MODEL, "aspects", "mlModelProperties"),
        json=[{"op": "replace", "path": "/name", "value": 12}],
    )
    assert bad.status_code == 422
    assert "name" in bad.json()["error"]["message"]
    missing = client.patch(
        path(MODEL, "aspects", "mlModelProperties"),
        json=[{"op": "remove", "path": "/nothing/here"}],
    )
    assert missing.status_code == 422
    assert "does not apply" in missing.json()["error"]["message"]


def test_deleting_an_aspect_keeps_its_history_and_numbering(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    assert client.delete(path(MODEL, "aspects", "mlModelProperties")).status_code == 200
    assert client.get(path(MODEL, "aspects", "mlModelProperties")).status_code == 404
    r = client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    assert r.json()["results"][0]["version"] == 3
    history = client.get(path(MODEL, "aspects", "mlModelProperties", "history")).json()["versions"]
    assert [(v["version"], v["deleted"]) for v in history] == [(3, False), (2, True), (1, False)]


def test_soft_deleted_entity_is_hidden_readable_with_a_flag_and_restorable(
    client: TestClient,
) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    client.put(path(model_urn("kept"), "aspects", "mlModelProperties"), json=PROPS)
    assert client.delete(path(MODEL)).status_code == 200

    listed = [
        e["urn"]
        for e in client.get("/api/v1/entities", params={"type": "mlModel"}).json()["entities"]
    ]
    assert listed == [model_urn("kept")]
    hidden = client.get(path(MODEL))
    assert hidden.status_code == 404
    assert "soft-deleted" in hidden.json()["error"]["message"]
    flagged = client.get(path(MODEL), params={"include_removed": "true"}).json()
    assert flagged["removed"] is True
    assert flagged["aspects"]["mlModelProperties"]["value"]["name"] == "Churn"
    assert flagged["aspects"]["status"]["value"] == {"removed": True}
    with_removed = client.get(
        "/api/v1/entities", params={"type": "mlModel", "include_removed": "true"}
    ).json()
    assert len(with_removed["entities"]) == 2

    assert client.post(path(MODEL, "restore")).status_code == 200
    assert client.get(path(MODEL)).json()["removed"] is False


def test_hard_delete_removes_every_trace(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json={**PROPS, "trainingJobs": [RUN]})
    assert client.delete(path(MODEL), params={"hard": "true"}).status_code == 200
    assert client.get(path(MODEL), params={"include_removed": "true"}).status_code == 404
    assert client.get(path(RUN, "relationships")).status_code == 404


def test_relationships_follow_the_aspects_that_declare_them(client: TestClient) -> None:
    client.put(path(MODEL, "aspects", "mlModelProperties"), json={**PROPS, "trainingJobs": [RUN]})
    client.put(path(RUN, "aspects", "dataProcessInstanceInput"), json={"inputs": [DATASET]})
    out = client.get(path(MODEL, "relationships"), params={"direction": "outgoing"}).json()
    assert out["relationships"] == [
        {
            "type": "TrainedBy",
            "direction": "outgoing",
            "urn": RUN,
            "aspect": "mlModelProperties",
            "lineage": "upstream",
        }
    ]
    incoming = client.get(path(RUN, "relationships"), params={"direction": "incoming"}).json()
    assert [(r["type"], r["urn"]) for r in incoming["relationships"]] == [("TrainedBy", MODEL)]
    both = client.get(path(RUN, "relationships")).json()["relationships"]
    assert {(r["type"], r["direction"], r["urn"]) for r in both} == {
        ("TrainedBy", "incoming", MODEL),
        ("Consumes", "outgoing", DATASET),
    }
    # Rewriting the aspect replaces its edges.
    client.put(path(MODEL, "aspects", "mlModelProperties"), json=PROPS)
    assert client.get(path(MODEL, "relationships")).json()["relationships"] == []
    filtered = client.get(path(RUN, "relationships"), params={"types": "Consumes"}).json()
    assert [r["type"] for r in filtered["relationships"]] == ["Consumes"]


def test_listing_pages_with_a_cursor_and_filters(client: TestClient) -> None:
    names = [f"m{i:02d}" for i in range(7)]
    client.post(
        "/api/v1/proposals",
        json={
            "proposals": [upsert(model_urn(n), "mlModelProperties", {"name": n}) for n in names]
            + [upsert(DATASET, "datasetProperties", {"name": "orders"})]
        },
    )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"type": "mlModel", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/entities", params=params).json()
        seen += [e["name"] for e in page["entities"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == names
    snow = client.get("/api/v1/entities", params={"platform": "snowflake"}).json()["entities"]
    assert [e["urn"] for e in snow] == [DATASET]
    dev = client.get("/api/v1/entities", params={"env": "DEV"}).json()["entities"]
    assert dev == []


def test_platform_of_an_entity_without_one_in_its_urn_comes_from_data_platform_instance(
    client: TestClient,
) -> None:
    new = "urn:li:container:exp-new"
    old = "urn:li:container:exp-old"
    client.put(path(old, "aspects", "containerProperties"), json={"name": "old"})
    batch = [
        upsert(new, "containerProperties", {"name": "new"}),
        upsert(new, "dataPlatformInstance", {"platform": "urn:li:dataPlatform:mlflow"}),
        upsert(old, "dataPlatformInstance", {"platform": "urn:li:dataPlatform:mlflow"}),
    ]
    assert client.post("/api/v1/proposals", json={"proposals": batch}).status_code == 200
    listed = client.get("/api/v1/entities", params={"platform": "mlflow", "type": "container"})
    assert [e["urn"] for e in listed.json()["entities"]] == [new, old]


def test_get_many_reads_entities_and_aspects_together(services: Services) -> None:
    services.writes.apply(
        [
            Proposal(Op.UPSERT, MODEL, "mlModelProperties", value=PROPS),
            Proposal(Op.UPSERT, DATASET, "datasetProperties", value={"name": "orders"}),
            Proposal(Op.UPSERT, DATASET, "status", value={"removed": True}),
        ]
    )
    views = services.entities.get_many(
        [MODEL, DATASET, RUN], ["mlModelProperties", "datasetProperties"]
    )
    assert list(views) == [MODEL]  # the soft-deleted one is hidden, the absent one left out
    assert views[MODEL].aspects["mlModelProperties"].value == {
        **PROPS,
        "customProperties": {},
        "tags": [],
    }
    everything = services.entities.get_many([MODEL, DATASET], include_removed=True)
    assert set(everything[DATASET].aspects) == {"datasetProperties", "status"}
