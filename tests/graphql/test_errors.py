"""Errors over GraphQL: one shape, `{"message", "locations"?, "path"?, "extensions":
{"code"}}`, with mlgraph's stable codes; requests that cannot run are 400s with no data."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from graphql import GraphQLError

from mlgraph.graphql.errors import format_error
from tests.graphql.conftest import gql

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
IRIS_INPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,iris_input,PROD)"


def test_malformed_urn_is_invalid_urn(client: TestClient) -> None:
    body = gql(client, 'query { mlModel(urn: "not-a-urn") { urn } }')
    assert body["data"] == {"mlModel": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "invalid_urn"}
    assert error["path"] == ["mlModel"]
    assert error["locations"] == [{"line": 1, "column": 9}]
    assert "not-a-urn" in error["message"]


def test_unknown_field_is_a_validation_error(client: TestClient) -> None:
    query = "query($urn: String!) { mlModel(urn: $urn) { colour } }"
    body = gql(client, query, {"urn": MODEL}, status=400)
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "invalid_input"}
    assert "colour" in error["message"] and "MLModel" in error["message"]
    assert error["locations"] == [{"line": 1, "column": query.index("colour") + 1}]


def test_syntax_error_is_bad_request(client: TestClient) -> None:
    body = gql(client, "query { mlModel(urn: ", status=400)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "bad_request"}
    assert error["message"].startswith("Syntax Error")


@pytest.mark.usefixtures("demo")
def test_missing_entity_is_null_and_wrong_type_is_invalid_input(client: TestClient) -> None:
    query = """
    query($dataset: String!, $model: String!) {
      missing: mlModel(urn: "urn:li:mlModel:(urn:li:dataPlatform:mlflow,nope,PROD)") { urn }
      wrong: mlModel(urn: $dataset) { urn }
      right: mlModel(urn: $model) { urn }
    }
    """
    body = gql(client, query, {"dataset": IRIS_INPUT, "model": MODEL})
    assert body["data"] == {"missing": None, "wrong": None, "right": {"urn": MODEL}}
    [error] = body["errors"]
    assert error["path"] == ["wrong"]
    assert error["extensions"] == {"code": "invalid_input"}
    assert "dataset URN" in error["message"]


@pytest.mark.usefixtures("demo")
def test_service_errors_keep_their_code(client: TestClient) -> None:
    query = """
    query($urn: String!) { mlModel(urn: $urn) { aspects(names: ["datasetProperties"]) { version } } }
    """
    body = gql(client, query, {"urn": MODEL})
    assert body["data"] == {"mlModel": None}
    assert body["errors"][0]["extensions"]["code"] == "invalid_input"
    assert "does not belong" in body["errors"][0]["message"]


def test_variables_of_the_wrong_type(client: TestClient) -> None:
    query = "query($urn: String!) { entity(urn: $urn) { urn } }"
    body = gql(client, query, {"urn": 42})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "invalid_input"}


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"query": ""}', "query"),
        (b'{"query": "{ entity(urn: \\"x\\") { urn } }", "variables": []}', "variables"),
        (b'{"query": "{ __typename }", "operationName": 3}', "operationName"),
    ],
)
def test_unreadable_requests_are_bad_requests(
    client: TestClient, payload: bytes, words: str
) -> None:
    r = client.post("/api/graphql", content=payload, headers={"content-type": "application/json"})
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert error["extensions"] == {"code": "bad_request"}
    assert words in error["message"]


def test_named_operations_and_graphiql(client: TestClient) -> None:
    r = client.post(
        "/api/graphql",
        json={
            "query": "query A { a: __typename } query B { b: __typename }",
            "operationName": "B",
        },
    )
    assert r.status_code == 200 and r.json() == {"data": {"b": "Query"}}
    page = client.get("/api/graphql")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()


def test_unexpected_errors_are_logged_not_shown(caplog: pytest.LogCaptureFixture) -> None:
    error = GraphQLError(
        "connection to 10.0.0.5 refused", original_error=RuntimeError("password=hunter2")
    )
    with caplog.at_level(logging.ERROR, logger="mlgraph.graphql"):
        formatted = format_error(error, "invalid_input")
    assert formatted == {
        "message": "internal server error; the server log has details",
        "extensions": {"code": "internal"},
    }
    assert "hunter2" in caplog.text
