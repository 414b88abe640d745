"""Lineage walks over the demo catalog: every hop kind, depth, filters, paths, limits."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("demo")

PREDICT = "urn:li:mlModelDeployment:(urn:li:dataPlatform:mlflow,/predict v2.1,PROD)"
CLF21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
EXP47B = "urn:li:dataProcessInstance:exp-47b"
ORDERS21 = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.1,PROD)"
USERS30 = "urn:li:dataset:(urn:li:dataPlatform:s3,users_v3.0,PROD)"
TRANSACTIONS = "urn:li:dataset:(urn:li:dataPlatform:snowflake,transactions,PROD)"
AMOUNT = f"urn:li:schemaField:({TRANSACTIONS},amount)"
FRAUD_MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_detection,PROD)"
FRAUD_ENDPOINT = (
    "urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,fraud-detection-prod,PROD)"
)
DASHBOARD = "urn:li:dashboard:(looker,fraud_alerts)"
SCORES = "urn:li:dataset:(urn:li:dataPlatform:snowflake,fraud_scores,PROD)"


def lineage(client: TestClient, urn: str, **params: object) -> dict:
    r = client.get(f"/api/v1/lineage/{quote(urn, safe='')}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_ancestry_of_the_endpoint_is_the_seed_chain(client: TestClient) -> None:
    body = lineage(client, PREDICT, direction="upstream", depth=0)
    assert [(n["degree"], n["urn"]) for n in body["nodes"]] == [
        (1, CLF21),
        (2, EXP47B),
        (3, ORDERS21),
        (3, USERS30),
    ]
    orders = next(n for n in body["nodes"] if n["urn"] == ORDERS21)
    assert orders["paths"] == [[PREDICT, CLF21, EXP47B, ORDERS21]]
    assert orders["type"] == "dataset" and orders["exists"] is True
    assert body["truncated"] is False and body["more_beyond_depth"] is False


def test_depth_limits_the_walk_and_says_more_lies_beyond(client: TestClient) -> None:
    body = lineage(client, PREDICT, direction="upstream", depth=2)
    assert [n["urn"] for n in body["nodes"]] == [CLF21, EXP47B]
    assert body["more_beyond_depth"] is True


def test_downstream_of_a_column_reaches_model_endpoint_and_dashboard(client: TestClient) -> None:
    body = lineage(client, AMOUNT, direction="downstream", depth=0)
    reached = {n["urn"]: n for n in body["nodes"]}
    for urn in (FRAUD_MODEL, FRAUD_ENDPOINT, SCORES, DASHBOARD):
        assert urn in reached, urn
    model = reached[FRAUD_MODEL]["degree"]
    assert reached[FRAUD_ENDPOINT]["degree"] == model + 1
    assert reached[SCORES]["degree"] == model + 2
    assert reached[DASHBOARD]["degree"] == model + 1  # the model's monitoring dashboard
    assert reached[DASHBOARD]["platform"] == "looker"  # a dashboard's tool is its platform
    # Every path starts at the column and ends at the node.
    for node in body["nodes"]:
        for path in node["paths"]:
            assert path[0] == AMOUNT and path[-1] == node["urn"]


def test_type_and_platform_filters_keep_walking_through_other_nodes(client: TestClient) -> None:
    body = lineage(
        client, AMOUNT, direction="downstream", depth=0, types="mlModelDeployment,dashboard"
    )
    assert {n["urn"] for n in body["nodes"]} == {FRAUD_ENDPOINT, DASHBOARD}
    sage = lineage(client, AMOUNT, direction="downstream", depth=0, platforms="sagemaker")
    assert [n["urn"] for n in sage["nodes"]] == [FRAUD_ENDPOINT]


def test_both_directions_and_edges_between_nodes(client: TestClient) -> None:
    body = lineage(client, CLF21, direction="both", depth=1)
    assert {(n["direction"], n["urn"]) for n in body["nodes"]} >= {
        ("upstream", EXP47B),
        ("downstream", PREDICT),
    }
    pairs = {(e["upstream"], e["downstream"]): e["types"] for e in body["edges"]}
    assert (CLF21, PREDICT) in pairs
    # One edge per pair, naming every relationship that declares it.
    assert pairs[(EXP47B, CLF21)] == ["DataProcessInstanceProduces", "Produces", "TrainedBy"]


def test_a_node_limit_truncates_and_says_so(client: TestClient) -> None:
    body = lineage(client, AMOUNT, direction="downstream", depth=0, max_nodes=3)
    assert body["truncated"] is True
    assert "3 nodes" in body["truncated_reason"]
    assert len(body["nodes"]) == 3


def test_nodes_are_paged_with_a_cursor(client: TestClient) -> None:
    full = lineage(client, AMOUNT, direction="downstream", depth=0)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"direction": "downstream", "depth": 0, "limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = lineage(client, AMOUNT, **params)
        assert page["total"] == len(full["nodes"])
        seen += [n["urn"] for n in page["nodes"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [n["urn"] for n in full["nodes"]]


def test_experiment_containment_only_when_asked(client: TestClient) -> None:
    plain = lineage(client, EXP47B, direction="upstream", depth=1)
    assert all(n["type"] != "container" for n in plain["nodes"])
    contained = lineage(client, EXP47B, direction="upstream", depth=1, containment="true")
    assert any(n["type"] == "container" for n in contained["nodes"])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"direction": "sideways"}, "direction 'sideways'"),
        ({"types": "rocket"}, "unknown entity type(s) rocket"),
        ({"depth": -1}, "depth"),
        ({"cursor": "bogus!"}, "cursor"),
    ],
)
def test_bad_lineage_queries_are_4xx(client: TestClient, params: dict, fragment: str) -> None:
    r = client.get(f"/api/v1/lineage/{quote(CLF21, safe='')}", params=params)
    assert r.status_code == 422
    assert fragment in r.json()["error"]["message"]


def test_unknown_entity_is_404(client: TestClient) -> None:
    r = client.get(f"/api/v1/lineage/{quote('urn:li:corpuser:nobody', safe='')}")
    assert r.status_code == 404
