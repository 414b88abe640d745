"""Every bad input gets a 4xx whose message names the problem, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import build_services
from tests.helpers import MODEL, model_urn, path, upsert

PROPS = "mlModelProperties"


def _error(r: object, status: int, *fragments: str) -> dict:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    for fragment in fragments:
        assert fragment in body["error"]["message"], body
    return body["error"]


@pytest.mark.parametrize(
    ("urn", "fragment"),
    [
        ("mlModel:churn", "must start with 'urn:li:'"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn", "must end with ')'"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn)", "has 2 key part(s)"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,NOWHERE)", "is not an environment"),
        ("urn:li:rocket:(a,b)", "unknown entity type 'rocket'"),
    ],
)
def test_malformed_urns_get_422_on_read_and_write(
    client: TestClient, urn: str, fragment: str
) -> None:
    err = _error(client.get(path(urn)), 422, fragment)
    assert err["code"] == "invalid_urn"
    _error(client.put(path(urn, "aspects", PROPS), json={"name": "x"}), 422, fragment)
    _error(
        client.post("/api/v1/proposals", json={"proposals": [upsert(urn, PROPS, {"name": "x"})]}),
        422,
        "proposals[0]",
        fragment,
    )


def test_unknown_aspect_and_aspect_of_another_entity_type(client: TestClient) -> None:
    _error(client.put(path(MODEL, "aspects", "flavour"), json={}), 422, "unknown aspect 'flavour'")
    _error(
        client.put(path(MODEL, "aspects", "datasetProperties"), json={"name": "x"}),
        422,
        "'datasetProperties' does not belong to entity type 'mlModel'",
    )


def test_fields_of_the_wrong_type_or_unknown_fields(client: TestClient) -> None:
    _error(
        client.put(
            path(MODEL, "aspects", PROPS), json={"hyperParams": [{"name": "lr", "value": 3}]}
        ),
        422,
        "hyperParams.0.value",
        "valid string",
    )
    _error(
        client.put(path(MODEL, "aspects", PROPS), json={"colour": "red"}),
        422,
        "colour",
        "Extra inputs",
    )
    _error(
        client.put(path(MODEL, "aspects", PROPS), json={"trainingJobs": ["not-a-urn"]}),
        422,
        "trainingJobs.0",
        "must start with 'urn:li:'",
    )
    _error(
        client.put(path(MODEL, "aspects", PROPS), json={"groups": ["urn:li:corpuser:bob"]}),
        422,
        "groups[] must point at mlModelGroup, not corpuser",
    )


def test_invalid_json_and_bodies_of_the_wrong_shape(client: TestClient) -> None:
    _error(
        client.put(
            path(MODEL, "aspects", PROPS),
            content=b'{"name": "x",',
            headers={"content-type": "application/json"},
        ),
        400,
        "not valid JSON",
    )
    _error(client.put(path(MODEL, "aspects", PROPS), content=b""), 400, "body is empty")
    _error(client.put(path(MODEL, "aspects", PROPS), json=[1, 2]), 400, "a JSON object")
    _error(client.patch(path(MODEL, "aspects", PROPS), json={"op": "add"}), 400, "JSON Patch")
    _error(client.post("/api/v1/proposals", json=[]), 400, '{"proposals": [...]}')
    _error(client.post("/api/v1/proposals", content=b"\xff\xfe"), 400, "not valid JSON")


def test_a_wrong_field_deep_in_a_large_batch_names_it_and_writes_nothing(
    client: TestClient,
) -> None:
    """An SDK-sized batch (5000 proposals) with one bad value: the error names its index
    and field path, and none of the 4999 valid proposals is written."""
    proposals = [
        upsert(f"urn:li:corpuser:u{i}", "corpUserInfo", {"displayName": f"user {i}"})
        for i in range(5000)
    ]
    proposals[4321] = upsert(model_urn("deep"), PROPS, {"trainingMetrics": [{"name": 1}]})
    _error(
        client.post("/api/v1/proposals", json={"proposals": proposals}),
        422,
        "proposals[4321]",
        "trainingMetrics.0.name",
    )
    assert client.get("/api/v1/stats").json()["total"] == 0
    _error(client.get(path("urn:li:corpuser:u0")), 404)


@pytest.mark.parametrize(
    ("proposal", "fragment"),
    [
        ({"op": "explode", "urn": MODEL}, "proposals[0].op: 'explode' is not an operation"),
        ({"urn": MODEL, "aspect": PROPS}, "proposals[0].value: required for upsert"),
        ({"op": "patch", "urn": MODEL, "aspect": PROPS, "patch": "x"}, "proposals[0].patch"),
        ({"op": "upsert", "aspect": PROPS, "value": {}}, "proposals[0].urn: required"),
        ({"op": "upsert", "urn": MODEL, "value": {}}, "proposals[0].aspect: required"),
        ({"urn": MODEL, "aspect": PROPS, "value": {}, "expected_version": -1}, "expected_version"),
        ({"urn": MODEL, "aspect": PROPS, "value": {}, "colour": 1}, "unknown field(s) colour"),
        ("just a string", "proposals[0]: a proposal must be a JSON object"),
    ],
)
def test_malformed_proposals(client: TestClient, proposal: object, fragment: str) -> None:
    _error(client.post("/api/v1/proposals", json={"proposals": [proposal]}), 400, fragment)


def test_bad_query_parameters(client: TestClient) -> None:
    _error(client.get("/api/v1/entities", params={"limit": 0}), 422, "limit")
    _error(
        client.get("/api/v1/entities", params={"type": "rocket"}),
        422,
        "unknown entity type 'rocket'",
    )
    _error(client.get("/api/v1/entities", params={"cursor": "%%%"}), 422, "cursor")
    _error(client.get(path(MODEL, "aspects", PROPS), params={"version": "latest"}), 422, "version")
    _error(
        client.get(path(MODEL, "relationships"), params={"direction": "sideways"}), 422, "sideways"
    )
    _error(
        client.put(path(MODEL, "aspects", PROPS), json={}, headers={"X-Mlgraph-Actor": "bob"}),
        422,
        "urn:li:",
    )


def test_missing_things_are_404_with_the_name(client: TestClient) -> None:
    _error(client.get(path(MODEL)), 404, f"no entity {MODEL}")
    _error(client.delete(path(MODEL, "aspects", PROPS)), 404, "no mlModelProperties aspect")
    _error(client.delete(path(MODEL)), 404, "no entity")
    _error(client.get("/api/v1/nowhere"), 404, "no route GET /api/v1/nowhere")


def test_oversized_bodies_get_413_and_write_nothing(tmp_path: Path) -> None:
    services = build_services(Settings(environment="test", data_dir=tmp_path, max_body_bytes=2_000))
    try:
        with TestClient(create_app(services=services)) as client:
            big = {"proposals": [upsert(MODEL, PROPS, {"name": "x" * 3_000})]}
            _error(client.post("/api/v1/proposals", json=big), 413, "larger than 2000 bytes")

            def chunks():  # no Content-Length: the limit applies while streaming
                for _ in range(10):
                    yield b" " * 500

            _error(
                client.put(path(MODEL, "aspects", PROPS), content=chunks()),
                413,
                "larger than 2000 bytes",
            )
            assert client.get(path(MODEL)).status_code == 404
    finally:
        services.close()


def test_error_body_shape_is_pinned(client: TestClient) -> None:
    r = client.put(
        path(MODEL, "aspects", PROPS), json={"name": "x"}, params={"expected_version": 3}
    )
    assert r.status_code == 409
    assert r.json() == {
        "error": {
            "code": "conflict",
            "message": f"upsert {PROPS} on {MODEL}: expected version 3, found no stored value",
            "details": {"urn": MODEL, "aspect": PROPS, "expected": 3, "found": 0},
        }
    }
