"""Lineage over GraphQL: `lineage(urn:)`, `Entity.lineage` and `searchAcrossLineage`
return what `LineageService.walk` finds, in DataHub's shapes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.graphql.conftest import gql

pytestmark = pytest.mark.usefixtures("demo")

IRIS_INPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,iris_input,PROD)"
IRIS_OUTPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,iris_output,PROD)"
RUN = "urn:li:dataProcessInstance:simple_training_run"
MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group,PROD)"
FRAUD_ENDPOINT = (
    "urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,fraud-detection-prod,PROD)"
)

LINEAGE = """
query Lineage($urn: String!, $depth: Int, $types: [EntityType!], $maxNodes: Int) {
  lineage(urn: $urn, direction: DOWNSTREAM, depth: $depth, types: $types, maxNodes: $maxNodes) {
    root { urn }
    total
    nodes { entity { urn type name } direction degree paths { path { urn } } }
    edges { upstream { urn } downstream { urn } types }
    truncated
    truncatedReason
    moreBeyondDepth
  }
}
"""


def test_iris_input_reaches_the_run_the_model_and_the_group(client: TestClient) -> None:
    result = gql(client, LINEAGE, {"urn": IRIS_INPUT, "depth": 0})["data"]["lineage"]
    assert result["root"] == {"urn": IRIS_INPUT}
    nodes = {n["entity"]["urn"]: n for n in result["nodes"]}
    assert [(n["degree"], n["entity"]["urn"]) for n in result["nodes"]] == [
        (1, RUN),
        (2, IRIS_OUTPUT),
        (2, MODEL),
        (2, GROUP),
    ]
    assert nodes[RUN]["entity"] == {
        "urn": RUN,
        "type": "DATA_PROCESS_INSTANCE",
        "name": "Simple Training Run",
    }
    assert nodes[MODEL]["entity"]["type"] == "MLMODEL"
    assert nodes[GROUP]["entity"]["name"] == "Airline Forecast Models Group"
    assert {n["direction"] for n in result["nodes"]} == {"DOWNSTREAM"}
    assert nodes[MODEL]["paths"] == [{"path": [{"urn": IRIS_INPUT}, {"urn": RUN}, {"urn": MODEL}]}]
    edges = {(e["upstream"]["urn"], e["downstream"]["urn"]): e["types"] for e in result["edges"]}
    assert edges[(IRIS_INPUT, RUN)] == ["Consumes", "DataProcessInstanceConsumes"]
    assert edges[(RUN, MODEL)] == ["TrainedBy"]
    assert edges[(RUN, GROUP)] == ["TrainedBy"]
    assert edges[(MODEL, GROUP)] == ["MemberOf"]
    assert result["total"] == 4
    assert result["truncated"] is False and result["moreBeyondDepth"] is False


def test_depth_type_filter_and_truncation(client: TestClient) -> None:
    one = gql(client, LINEAGE, {"urn": IRIS_INPUT, "depth": 1})["data"]["lineage"]
    assert [n["entity"]["urn"] for n in one["nodes"]] == [RUN]
    assert one["moreBeyondDepth"] is True
    models = gql(client, LINEAGE, {"urn": IRIS_INPUT, "depth": 0, "types": ["MLMODEL_GROUP"]})
    assert [n["entity"]["urn"] for n in models["data"]["lineage"]["nodes"]] == [GROUP]
    cut = gql(client, LINEAGE, {"urn": IRIS_INPUT, "depth": 0, "maxNodes": 1})["data"]["lineage"]
    assert cut["truncated"] is True and "1 nodes" in cut["truncatedReason"]


def test_lineage_as_an_entity_field(client: TestClient) -> None:
    query = """
    query($urn: String!) {
      mlModel(urn: $urn) {
        lineage(direction: UPSTREAM, depth: 0) { nodes { entity { urn } degree } }
      }
    }
    """
    nodes = gql(client, query, {"urn": MODEL})["data"]["mlModel"]["lineage"]["nodes"]
    assert [(n["degree"], n["entity"]["urn"]) for n in nodes] == [(1, RUN), (2, IRIS_INPUT)]


def test_search_across_lineage(client: TestClient) -> None:
    query = """
    query($input: SearchAcrossLineageInput!) {
      searchAcrossLineage(input: $input) {
        start count total truncated
        searchResults { entity { urn type } degree paths { path { urn } } }
        facets { field aggregations { value count } }
      }
    }
    """
    body = gql(client, query, {"input": {"urn": IRIS_INPUT, "direction": "DOWNSTREAM"}})
    result = body["data"]["searchAcrossLineage"]
    assert (result["start"], result["count"], result["total"]) == (0, 4, 4)
    assert [r["degree"] for r in result["searchResults"]] == [1, 2, 2, 2]
    facets = {f["field"]: f["aggregations"] for f in result["facets"]}
    assert facets["degree"] == [{"value": "1", "count": 1}, {"value": "2", "count": 3}]
    assert {"value": "MLMODEL_GROUP", "count": 1} in facets["_entityType"]
    page = gql(
        client,
        query,
        {"input": {"urn": IRIS_INPUT, "direction": "DOWNSTREAM", "start": 1, "count": 2}},
    )["data"]["searchAcrossLineage"]
    assert (page["start"], page["count"], page["total"]) == (1, 2, 4)


def test_deployment_upstream_reaches_its_model(client: TestClient) -> None:
    body = gql(client, LINEAGE.replace("DOWNSTREAM", "UPSTREAM"), {"urn": FRAUD_ENDPOINT})
    nodes = body["data"]["lineage"]["nodes"]
    assert [n["entity"]["type"] for n in nodes] == ["MLMODEL"]
    assert nodes[0]["entity"]["name"] == "Fraud Detection"


def test_lineage_of_an_unknown_entity_is_not_found(client: TestClient) -> None:
    body = gql(client, LINEAGE, {"urn": "urn:li:dataset:(urn:li:dataPlatform:s3,nope,PROD)"})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "not_found"
