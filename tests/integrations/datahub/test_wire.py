"""DataHub's wire protocol in-process, on every backend: batches are atomic, malformed
MCPs get DataHub's error JSON and write nothing, unknown aspects round-trip raw, and
the PATCH dialect keys arrays the way DataHub's server does."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
OTHER = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,other,PROD)"
BATCH = "/aspects?action=ingestProposalBatch"


def mcp(urn: str, aspect: str, value: Any, change: str = "UPSERT", **extra: Any) -> dict:
    content = "application/json-patch+json" if change == "PATCH" else "application/json"
    text = value if isinstance(value, str) else json.dumps(value)
    return {
        "entityType": [*urn.split(":"), "", "", "x"][2],
        "entityUrn": urn,
        "changeType": change,
        "aspectName": aspect,
        "aspect": {"value": text, "contentType": content},
        "systemMetadata": {"runId": "no-run-id-provided", "lastObserved": 0},
        **extra,
    }


def post(dh: TestClient, *mcps: dict) -> Any:
    return dh.post(BATCH, json={"proposals": list(mcps), "async": "false"})


def aspect(dh: TestClient, urn: str, name: str, version: int = 0) -> Any:
    return dh.get(f"/aspects/{quote(urn, safe='')}", params={"aspect": name, "version": version})


def entity(dh: TestClient, urn: str) -> dict[str, Any]:
    response = dh.get(f"/entitiesV2/{quote(urn, safe='')}")
    assert response.status_code == 200, response.text
    return response.json()


PROPS = {"name": "Churn", "customProperties": {"a": "b"}}


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (mcp("urn:li:mlModel:(urn:li:dataPlatform:mlflow,x", "status", {}), "URN"),
        (mcp("not-a-urn", "status", {}), "urn:li:"),
        (mcp(OTHER, "globalTags", {"tags": []}, change="FROBNICATE"), "changeType"),
        (mcp(OTHER, "globalTags", "{not json"), "not valid JSON"),
        (mcp(OTHER, "mlModelProperties", {"name": 3}), "mlModelProperties"),
    ],
)
def test_a_bad_mcp_leaves_the_batch_unapplied(dh: TestClient, bad: dict, words: str) -> None:
    response = post(dh, mcp(MODEL, "mlModelProperties", PROPS), bad, mcp(OTHER, "status", {}))
    assert 400 <= response.status_code < 500
    body = response.json()
    assert words in body["message"]
    assert body["status"] == response.status_code
    assert aspect(dh, MODEL, "mlModelKey").status_code == 404
    assert aspect(dh, OTHER, "mlModelKey").status_code == 404
    assert dh.get("/api/v1/stats").json()["total"] == 0


def test_single_proposal_upsert_and_reads(dh: TestClient) -> None:
    body = {"proposal": mcp(MODEL, "mlModelProperties", PROPS), "async": "false"}
    assert dh.post("/aspects?action=ingestProposal", json=body).status_code == 200
    got = aspect(dh, MODEL, "mlModelProperties").json()
    assert got["aspect"]["com.linkedin.ml.metadata.MLModelProperties"]["name"] == "Churn"
    key = aspect(dh, MODEL, "mlModelKey").json()
    assert key == {
        "aspect": {
            "com.linkedin.metadata.key.MLModelKey": {
                "platform": "urn:li:dataPlatform:mlflow",
                "name": "churn",
                "origin": "PROD",
            }
        },
        "version": 0,
    }
    assert aspect(dh, MODEL, "globalTags").status_code == 404
    assert aspect(dh, OTHER, "mlModelKey").json()["status"] == 404
    view = entity(dh, MODEL)
    assert view["entityName"] == "mlModel"
    assert set(view["aspects"]) == {"mlModelProperties", "mlModelKey"}
    only = dh.get(f"/entitiesV2/{quote(MODEL, safe='')}?aspects=List(mlModelKey)").json()
    assert set(only["aspects"]) == {"mlModelKey"}
    assert set(entity(dh, OTHER)["aspects"]) == {"mlModelKey"}  # as DataHub answers


def test_versions_count_from_the_oldest(dh: TestClient) -> None:
    for name in ("v1", "v2", "v3"):
        assert post(dh, mcp(MODEL, "mlModelProperties", {"name": name})).status_code == 200
    fqn = "com.linkedin.ml.metadata.MLModelProperties"
    assert aspect(dh, MODEL, "mlModelProperties").json()["aspect"][fqn]["name"] == "v3"
    assert aspect(dh, MODEL, "mlModelProperties", 1).json()["aspect"][fqn]["name"] == "v1"


def test_unknown_aspect_round_trips_raw(dh: TestClient) -> None:
    raw = {"path": [{"id": "x", "urn": "urn:li:container:abc"}], "someFutureField": [1, 2]}
    assert post(dh, mcp(MODEL, "browsePathsV2", raw)).status_code == 200
    got = aspect(dh, MODEL, "browsePathsV2").json()
    assert got["aspect"] == {"com.linkedin.common.BrowsePathsV2": raw}
    assert entity(dh, MODEL)["aspects"]["browsePathsV2"]["value"] == raw
    stored = dh.get(f"/api/v1/entities/{quote(MODEL, safe='')}").json()
    assert stored["aspects"]["browsePathsV2"]["value"] == raw


def test_pegasus2avro_union_names_are_stored_as_datahub_does(dh: TestClient) -> None:
    urn = "urn:li:dataset:(urn:li:dataPlatform:snowflake,t,PROD)"
    schema = {
        "schemaName": "t",
        "platform": "urn:li:dataPlatform:snowflake",
        "version": 0,
        "hash": "",
        "platformSchema": {"com.linkedin.pegasus2avro.schema.Schemaless": {}},
        "fields": [
            {
                "fieldPath": "id",
                "nativeDataType": "number",
                "type": {"type": {"com.linkedin.pegasus2avro.schema.NumberType": {}}},
            }
        ],
    }
    assert post(dh, mcp(urn, "schemaMetadata", schema)).status_code == 200
    value = aspect(dh, urn, "schemaMetadata").json()["aspect"]["com.linkedin.schema.SchemaMetadata"]
    assert value["platformSchema"] == {"com.linkedin.schema.Schemaless": {}}
    assert value["fields"][0]["type"] == {"type": {"com.linkedin.schema.NumberType": {}}}


def test_patch_with_array_primary_keys(dh: TestClient) -> None:
    tags = {"tags": [{"tag": "urn:li:tag:a"}, {"tag": "urn:li:tag:b"}]}
    assert post(dh, mcp(MODEL, "globalTags", tags)).status_code == 200
    apk = {"tags": ["attribution\u241fsource", "tag"]}
    patch = {
        "arrayPrimaryKeys": apk,
        "patch": [
            {"op": "add", "path": "/tags//urn:li:tag:c", "value": {"tag": "urn:li:tag:c"}},
            {
                "op": "add",
                "path": "/tags//urn:li:tag:a",
                "value": {"tag": "urn:li:tag:a", "context": "x"},
            },
            {"op": "remove", "path": "/tags//urn:li:tag:b", "value": {}},
        ],
    }
    owners = {
        "arrayPrimaryKeys": {"owners": ["owner", "type", "typeUrn", "attribution\u241fsource"]},
        "patch": [
            {
                "op": "add",
                "path": "/owners/urn:li:corpuser:jo/DATA_STEWARD//",
                "value": {"owner": "urn:li:corpuser:jo", "type": "DATA_STEWARD"},
            }
        ],
    }
    props = [
        {"op": "add", "path": "/customProperties/team", "value": "ml"},
        {
            "op": "add",
            "path": "/trainingJobs/urn:li:dataProcessInstance:r1",
            "value": "urn:li:dataProcessInstance:r1",
        },
    ]
    response = post(
        dh,
        mcp(MODEL, "globalTags", patch, change="PATCH"),
        mcp(MODEL, "ownership", owners, change="PATCH"),
        mcp(MODEL, "mlModelProperties", props, change="PATCH"),
    )
    assert response.status_code == 200, response.text
    aspects = {k: v["value"] for k, v in entity(dh, MODEL)["aspects"].items()}
    assert aspects["globalTags"]["tags"] == [
        {"tag": "urn:li:tag:a", "context": "x"},
        {"tag": "urn:li:tag:c"},
    ]
    assert aspects["ownership"]["owners"] == [
        {"owner": "urn:li:corpuser:jo", "type": "DATA_STEWARD"}
    ]
    assert aspects["mlModelProperties"]["customProperties"] == {"team": "ml"}
    assert aspects["mlModelProperties"]["trainingJobs"] == ["urn:li:dataProcessInstance:r1"]
    edges = dh.get(f"/api/v1/entities/{quote(MODEL, safe='')}/relationships").json()
    assert any(e["urn"] == "urn:li:dataProcessInstance:r1" for e in edges["relationships"])


def test_create_delete_and_create_entity(dh: TestClient) -> None:
    key = {"platform": "urn:li:dataPlatform:mlflow", "name": "churn", "origin": "PROD"}
    created = {**mcp(MODEL, "mlModelKey", key, change="CREATE_ENTITY")}
    assert (
        post(dh, created, mcp(MODEL, "status", {"removed": False}, change="CREATE")).status_code
        == 200
    )
    again = post(dh, mcp(MODEL, "status", {"removed": False}, change="CREATE"))
    assert again.status_code == 409 and "already has a status" in again.json()["message"]
    assert post(dh, created).status_code == 409
    deleted = {**mcp(MODEL, "status", {}, change="DELETE"), "aspect": None}
    assert post(dh, deleted).status_code == 200
    assert aspect(dh, MODEL, "status").status_code == 404
    gone = {**mcp(MODEL, "mlModelKey", {}, change="DELETE"), "aspect": None}
    assert post(dh, gone).status_code == 200
    assert aspect(dh, MODEL, "mlModelKey").status_code == 404


def test_unmodelled_entity_types_are_skipped(dh: TestClient) -> None:
    request = mcp("urn:li:dataHubExecutionRequest:abc", "dataHubExecutionRequestInput", {"x": 1})
    response = post(dh, request, mcp(MODEL, "status", {"removed": False}))
    assert response.status_code == 200
    assert aspect(dh, MODEL, "status").status_code == 200


def test_config(dh: TestClient) -> None:
    config = dh.get("/config").json()
    assert config["noCode"] == "true"
    assert config["datahub"] == {"serverType": "prod", "serverEnv": "core"}
    assert config["patchCapable"] is True
    assert config["versions"]["acryldata/datahub"]["version"] == "v1.0.0"


def test_bad_action_and_body(dh: TestClient) -> None:
    assert dh.post("/aspects?action=frobnicate", json={}).json()["status"] == 400
    response = dh.post(BATCH, content=b"{nope")
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]
    assert dh.post(BATCH, json={"proposals": "x"}).status_code == 400
