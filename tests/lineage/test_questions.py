"""Seed 004's four questions, answered over the demo catalog, plus the lineage diff."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.lineage.test_walk import (
    AMOUNT,
    CLF21,
    DASHBOARD,
    EXP47B,
    FRAUD_ENDPOINT,
    FRAUD_MODEL,
    ORDERS21,
    PREDICT,
    SCORES,
    USERS30,
)

pytestmark = pytest.mark.usefixtures("demo")

CLF20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
ORDERS20 = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.0,PROD)"
CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
CUSTOMER_FEATURES = (
    "urn:li:dataset:(urn:li:dataPlatform:snowflake,prod.analytics.customer_features,PROD)"
)


def ask(client: TestClient, question: str, urn: str) -> dict:
    r = client.get(f"/api/v1/{question}/{quote(urn, safe='')}")
    assert r.status_code == 200, r.text
    return r.json()


def test_which_dataset_trained_this_model(client: TestClient) -> None:
    body = ask(client, "training-data", CLF21)
    assert body["training_runs"] == [EXP47B]
    got = {d["urn"]: d for d in body["training_datasets"]}
    assert set(got) == {ORDERS21, USERS30}
    assert got[ORDERS21]["role"] == "training" and got[ORDERS21]["via"] == [EXP47B]
    assert got[ORDERS21]["name"] == "orders_v2.1"


def test_training_data_of_a_deployment_goes_through_its_model(client: TestClient) -> None:
    body = ask(client, "training-data", PREDICT)
    assert body["models"] == [CLF21]
    assert {d["urn"] for d in body["training_datasets"]} == {ORDERS21, USERS30}


def test_training_data_named_by_the_model_card_counts_too(client: TestClient) -> None:
    body = ask(client, "training-data", CHURN)
    roles = {d["urn"]: d["role"] for d in body["training_datasets"]}
    assert roles[CUSTOMER_FEATURES] == "training"
    assert "evaluation" in roles.values()


def test_which_models_used_dataset_x(client: TestClient) -> None:
    body = ask(client, "impact", ORDERS21)
    models = {n["urn"] for n in body["by_type"]["mlModel"]}
    assert models == {CLF21}
    assert {n["urn"] for n in body["by_type"]["mlModelDeployment"]} == {PREDICT}
    assert ask(client, "impact", ORDERS20)["by_type"]["mlModel"][0]["urn"] == CLF20


def test_impact_of_a_column_reaches_model_endpoint_dashboard_with_owners(
    client: TestClient,
) -> None:
    body = ask(client, "impact", AMOUNT)
    by_type = {t: {n["urn"] for n in nodes} for t, nodes in body["by_type"].items()}
    assert FRAUD_MODEL in by_type["mlModel"]
    assert FRAUD_ENDPOINT in by_type["mlModelDeployment"]
    assert DASHBOARD in by_type["dashboard"]
    assert SCORES in by_type["dataset"]
    model = next(n for n in body["by_type"]["mlModel"] if n["urn"] == FRAUD_MODEL)
    assert model["owners"] == ["urn:li:corpuser:data_science_team"]
    assert "urn:li:corpuser:data_science_team" in body["owners_to_notify"]


def test_which_endpoints_serve_a_model(client: TestClient) -> None:
    body = ask(client, "endpoints", CLF21)
    assert [(e["urn"], e["name"], e["status"]) for e in body["endpoints"]] == [
        (PREDICT, "/predict v2.1", "IN_SERVICE")
    ]
    assert ask(client, "endpoints", CLF20)["endpoints"] == []
    group = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)"
    assert [e["urn"] for e in ask(client, "endpoints", group)["endpoints"]] == [PREDICT]


def test_full_ancestry_of_the_endpoint_in_one_call(client: TestClient) -> None:
    body = ask(client, "ancestry", PREDICT)
    assert [n["urn"] for n in body["nodes"]] == [CLF21, EXP47B, ORDERS21, USERS30]


def test_is_this_model_approved_for_production(client: TestClient) -> None:
    approved = ask(client, "approval", CLF21)
    assert approved["approved"] is True and "Production" in approved["stages"]
    archived = ask(client, "approval", CLF20)
    assert archived["approved"] is False
    assert archived["reasons"] == ["Archived: it may no longer be deployed"]
    # from the records: who asked, who approved, on what evidence
    record = approved["approval"]
    assert record["requester"] == "urn:li:corpuser:rzeng"
    assert record["decided_by"] == "urn:li:corpuser:mokafor"
    assert record["target"] == "stage:Production"
    assert record["evidence"][0]["link"] == "urn:li:dataProcessInstance:exp-47b"


def test_why_did_the_model_regress_lineage_diff(client: TestClient) -> None:
    r = client.get("/api/v1/compare", params={"a": CLF20, "b": CLF21})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["datasets"]["changed_versions"] == [
        {"a": ORDERS20, "b": ORDERS21, "from": "orders_v2.0", "to": "orders_v2.1"}
    ]
    assert USERS30 in body["datasets"]["common"]
    lr = next(p for p in body["hyperparameters"] if p["name"] == "learning_rate")
    assert (lr["a"], lr["b"], lr["changed"]) == ("1e-3", "3e-4", True)
    assert body["git_commit"]["a"] == "b7d9e4" and body["git_commit"]["changed"] is True
    assert body["deployments"]["only_b"] == [PREDICT]
    assert "dataset orders_v2.0 -> orders_v2.1" in body["summary"]
    assert "hyperparameter learning_rate: 1e-3 -> 3e-4" in body["summary"]


def test_questions_refuse_the_wrong_kind_of_entity(client: TestClient) -> None:
    r = client.get(f"/api/v1/approval/{quote(ORDERS21, safe='')}")
    assert r.status_code == 422 and "mlModel" in r.json()["error"]["message"]
    r = client.get("/api/v1/compare", params={"a": CLF21, "b": ORDERS21})
    assert r.status_code == 422 and "two mlModels" in r.json()["error"]["message"]
    r = client.get("/api/v1/compare", params={"a": CLF21})
    assert r.status_code == 422 and "b" in r.json()["error"]["message"]
