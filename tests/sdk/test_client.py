"""Client behaviour against the real app: errors keep the server's class and message,
update() is guarded by versions, aspects/proposals/list/relationships are typed."""

from __future__ import annotations

import socket
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from mlgraph.errors import BadRequest, Conflict, InvalidInput, NotFound
from mlgraph.sdk import (
    AspectVersion,
    Client,
    Dataset,
    Experiment,
    MLModel,
    ServerUnreachable,
    TrainingRun,
    WriteResult,
)
from mlgraph.sdk.entity_client import MAX_BATCH
from mlgraph.sdk.types import EntitySummary

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,m,PROD)"


def test_not_found_keeps_class_and_server_message(sdk: Client) -> None:
    with pytest.raises(NotFound) as info:
        sdk.entities.get(MODEL)
    assert info.value.message == f"no entity {MODEL}"
    assert info.value.status == 404


def test_invalid_value_surfaces_the_servers_validation_message(sdk: Client) -> None:
    with pytest.raises(InvalidInput) as info:
        sdk.aspects.put(MODEL, "mlModelProperties", {"name": 5})
    assert "invalid mlModelProperties: name: Input should be a valid string" in info.value.message
    assert info.value.status == 422


def test_bad_batch_is_rejected_whole(sdk: Client) -> None:
    with pytest.raises(BadRequest, match=r"proposals\[1\]\.op: 'explode' is not an operation"):
        sdk.proposals.apply(
            [
                {"op": "upsert", "urn": MODEL, "aspect": "mlModelProperties", "value": {}},
                {"op": "explode", "urn": MODEL},
            ]
        )
    assert not sdk.entities.exists(MODEL)


def test_update_conflicts_when_someone_else_wrote_first(sdk: Client, other_sdk: Client) -> None:
    sdk.entities.upsert(MLModel(id="m", platform="mlflow", description="v1"))
    mine = sdk.entities.get(MODEL, MLModel)
    theirs = other_sdk.entities.get(MODEL, MLModel)
    theirs.set_description("theirs")
    other_sdk.entities.update(theirs)

    mine.set_description("mine")
    with pytest.raises(Conflict) as info:
        sdk.entities.update(mine)
    assert "expected version 1, found version 2" in info.value.message
    assert info.value.details["aspect"] == "mlModelProperties"
    assert sdk.entities.get(MODEL, MLModel).description == "theirs"

    # An aspect created by someone else after my read also conflicts (expected 0).
    theirs.add_tag("x")
    other_sdk.entities.update(theirs)
    fresh = sdk.entities.get(MODEL, MLModel)
    mine = sdk.entities.get(MODEL, MLModel)
    fresh.remove_tag("x")
    sdk.entities.update(fresh)
    mine.set_description("after refresh")
    sdk.entities.update(mine)  # only mlModelProperties changed: no conflict on tags
    assert sdk.entities.get(MODEL, MLModel).description == "after refresh"


def test_update_sends_only_changed_aspects(sdk: Client) -> None:
    model = MLModel(id="m", platform="mlflow", tags=["a"], owners=["bob"])
    first = sdk.entities.upsert(model)
    assert {r.aspect for r in first} == {
        "mlModelProperties",
        "dataPlatformInstance",
        "globalTags",
        "ownership",
    }
    assert sdk.entities.update(model) == []
    model.add_tag("b")
    results = sdk.entities.update(model)
    assert [(r.aspect, r.version, r.changed) for r in results] == [("globalTags", 2, True)]
    model.remove_aspect("ownership")
    (deleted,) = sdk.entities.update(model)
    assert (deleted.op, deleted.aspect) == ("delete_aspect", "ownership")
    assert sdk.entities.get(MODEL, MLModel).owners == []


def test_update_of_an_unread_entity_writes_everything(sdk: Client) -> None:
    sdk.entities.upsert(MLModel(id="m", platform="mlflow", description="old"))
    results = sdk.entities.update(MLModel(id="m", platform="mlflow", description="new"))
    assert {r.aspect for r in results} == {"mlModelProperties", "dataPlatformInstance"}
    assert sdk.entities.get(MODEL, MLModel).description == "new"


def test_get_with_a_class_checks_the_type(sdk: Client) -> None:
    sdk.entities.upsert(Dataset("s3", "d"))
    with pytest.raises(InvalidInput, match="is a Dataset, not a MLModel"):
        sdk.entities.get("urn:li:dataset:(urn:li:dataPlatform:s3,d,PROD)", MLModel)


def test_delete_restore_and_hard_delete(sdk: Client) -> None:
    model = MLModel(id="m", platform="mlflow")
    sdk.entities.upsert(model)
    assert sdk.entities.delete(model).changed
    with pytest.raises(NotFound, match="soft-deleted"):
        sdk.entities.get(MODEL)
    assert sdk.entities.get(MODEL, include_removed=True).removed is True
    assert [s.urn for s in sdk.entities.list(include_removed=True)] == [MODEL]
    assert list(sdk.entities.list()) == []
    sdk.entities.restore(MODEL)
    assert sdk.entities.get(MODEL).removed is False
    sdk.entities.delete(MODEL, hard=True)
    assert not sdk.entities.exists(MODEL)


def test_list_follows_cursors_and_filters(sdk: Client) -> None:
    sdk.entities.upsert([Dataset("s3", f"d{i:02d}") for i in range(7)])
    sdk.entities.upsert(MLModel(id="m", platform="mlflow", env="DEV"))
    dev_model = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,m,DEV)"
    rows = list(sdk.entities.list(type="dataset", page_size=3))
    assert len(rows) == 7 and all(isinstance(r, EntitySummary) for r in rows)
    assert [r.name for r in rows] == [f"d{i:02d}" for i in range(7)]
    assert {r.platform for r in rows} == {"s3"}
    (model,) = sdk.entities.list(env="DEV")
    assert (model.urn, model.type, model.env) == (dev_model, "mlModel", "DEV")
    assert list(sdk.entities.list(platform="mlflow")) == [model]


def test_many_entities_go_in_batches_of_at_most_5000(sdk: Client, app_client: TestClient) -> None:
    sizes: list[int] = []

    def count(request: Any) -> None:
        if request.url.path == "/api/v1/proposals":
            sizes.append(len(orjson.loads(request.content)["proposals"]))

    app_client.event_hooks["request"].append(count)
    datasets = [Dataset("s3", f"t{i:05d}", description="x") for i in range(5100)]
    results = sdk.entities.upsert(datasets)  # 2 aspects each: 10,200 proposals
    assert MAX_BATCH == 5000
    assert sizes == [5000, 5000, 200]
    assert len(results) == 10_200 and all(r.changed for r in results)
    assert sum(1 for _ in sdk.entities.list(type="dataset", page_size=1000)) == 5100
    datasets[5099].set_description("changed")
    assert [r.aspect for r in sdk.entities.update(datasets[5099])] == ["datasetProperties"]


def test_a_failed_batch_stops_the_batches_after_it(sdk: Client, app_client: TestClient) -> None:
    """Requests go one after another even though the SDK builds the next one while the
    server works: batch 1 is written, batch 2 fails whole, batch 3 is never sent."""
    sizes: list[int] = []

    def count(request: Any) -> None:
        if request.url.path == "/api/v1/proposals":
            sizes.append(len(orjson.loads(request.content)["proposals"]))

    app_client.event_hooks["request"].append(count)
    datasets = [Dataset("s3", f"t{i:05d}", description="x") for i in range(5100)]
    datasets[3000].set_aspect({"name": 5}, "datasetProperties")  # in the second batch
    with pytest.raises(InvalidInput, match=r"proposals\[1000\].*name"):
        sdk.entities.upsert(datasets)
    assert sizes == [5000, 5000]
    assert sdk.entities.exists(datasets[2499].urn)
    assert not sdk.entities.exists(datasets[2500].urn)
    assert not sdk.entities.exists(datasets[5099].urn)


def test_aspects_api_history_diff_patch(sdk: Client) -> None:
    put = sdk.aspects.put(MODEL, "mlModelProperties", {"name": "a"})
    assert put == WriteResult("upsert", MODEL, "mlModelProperties", 1, True)
    sdk.aspects.patch(
        MODEL, "mlModelProperties", [{"op": "replace", "path": "/name", "value": "b"}]
    )
    latest = sdk.aspects.get(MODEL, "mlModelProperties")
    assert isinstance(latest, AspectVersion)
    assert (latest.version, latest.value["name"], latest.actor) == (  # type: ignore[index]
        2,
        "b",
        "urn:li:corpuser:sdk_test",
    )
    assert sdk.aspects.get(MODEL, "mlModelProperties", version=1).value["name"] == "a"  # type: ignore[index]
    parsed = latest.parsed()
    assert parsed is not None and parsed.model_dump()["name"] == "b"
    assert [v.version for v in sdk.aspects.history(MODEL, "mlModelProperties")] == [2, 1]
    diff = sdk.aspects.diff(MODEL, "mlModelProperties", 1, 2)
    assert [(c.path, c.kind, c.old, c.new) for c in diff.changes] == [
        ("/name", "changed", "a", "b")
    ]
    with pytest.raises(Conflict):
        sdk.aspects.put(MODEL, "mlModelProperties", {"name": "c"}, expected_version=1)
    deleted = sdk.aspects.delete(MODEL, "mlModelProperties", expected_version=2)
    assert (deleted.op, deleted.version) == ("delete_aspect", 3)
    assert sdk.aspects.history(MODEL, "mlModelProperties")[0].deleted is True


def test_training_run_helpers(sdk: Client) -> None:
    exp = Experiment("e")
    sdk.entities.upsert(exp)
    urn = sdk.create_training_run(
        "r1",
        "Run one",
        run_result="SUCCESS",
        hyper_params={"lr": 0.1},
        metrics={"acc": 0.9},
        start_timestamp=1000,
        end_timestamp=3000,
    )
    assert urn == "urn:li:dataProcessInstance:r1"
    sdk.add_run_to_experiment(urn, exp.urn)
    sdk.add_input_datasets_to_run(urn, ["urn:li:dataset:(urn:li:dataPlatform:s3,a,PROD)"])
    sdk.add_input_datasets_to_run(urn, [Dataset("s3", "b"), Dataset("s3", "a")])
    sdk.add_output_datasets_to_run(urn, ["urn:li:dataset:(urn:li:dataPlatform:s3,out,PROD)"])
    run = sdk.entities.get(urn, TrainingRun)
    assert run.name == "Run one"
    assert run.created_by == "urn:li:corpuser:sdk_test"
    assert (run.hyper_params, run.training_metrics) == ({"lr": "0.1"}, {"acc": "0.9"})
    assert (run.result, run.start_timestamp, run.end_timestamp) == ("SUCCESS", 1000, 3000)
    assert run.experiment == exp.urn
    assert run.inputs == [
        "urn:li:dataset:(urn:li:dataPlatform:s3,a,PROD)",
        "urn:li:dataset:(urn:li:dataPlatform:s3,b,PROD)",
    ]
    assert run.aspect_value("dataProcessInstanceInput")["inputEdges"] == [  # type: ignore[index]
        {"destinationUrn": u} for u in run.inputs
    ]
    assert run.outputs == ["urn:li:dataset:(urn:li:dataPlatform:s3,out,PROD)"]
    rels = sdk.relationships(exp.urn, direction="incoming", types=["IsPartOf"])
    assert [(r.type, r.direction, r.urn) for r in rels] == [("IsPartOf", "incoming", urn)]


def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the request: nothing listens
    with (
        Client(f"http://127.0.0.1:{port}", timeout=2) as client,
        pytest.raises(
            ServerUnreachable, match=f"cannot reach the mlgraph server at http://127.0.0.1:{port}"
        ),
    ):
        client.entities.get(MODEL)


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGRAPH_URL", "http://example.invalid:9/")
    monkeypatch.setenv("MLGRAPH_TOKEN", "secret")
    monkeypatch.setenv("MLGRAPH_ACTOR", "urn:li:corpuser:ci")
    with Client.from_env() as client:
        assert client.url == "http://example.invalid:9"
        assert client._http.headers["Authorization"] == "Bearer secret"
        assert client._http.headers["X-Mlgraph-Actor"] == "urn:li:corpuser:ci"
