"""Entities over GraphQL: every entity type of the registry has a GraphQL type, every
field of every demo entity resolves, and the fields read what the aspects hold."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from mlgraph.graphql import build_schema
from mlgraph.graphql.names import BY_TYPE, KINDS
from mlgraph.model.registry import ENTITIES
from mlgraph.runtime import Services
from tests.graphql.conftest import gql

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group,PROD)"
FRAUD_MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_detection,PROD)"
FRAUD_ENDPOINT = (
    "urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,fraud-detection-prod,PROD)"
)
IRIS_INPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,iris_input,PROD)"
ENTITY_FIELDS = "{ urn type name exists }"


def test_every_registry_entity_type_has_a_graphql_type() -> None:
    schema = build_schema()
    assert set(BY_TYPE) == set(ENTITIES)
    entity = schema.get_type("Entity")
    assert isinstance(entity, GraphQLInterfaceType)
    for kind in KINDS:
        gql_type = schema.get_type(kind.graphql)
        assert isinstance(gql_type, GraphQLObjectType), kind
        assert entity in gql_type.interfaces
        assert set(entity.fields) <= set(gql_type.fields)
        has_properties = ENTITIES[kind.entity_type].properties is not None
        assert ("properties" in gql_type.fields) == has_properties, kind
        assert schema.query_type is not None
        assert get_named_type(schema.query_type.fields[kind.query_field].type) is gql_type


def _selection(schema: GraphQLSchema, field: GraphQLField, depth: int) -> str:
    named = get_named_type(field.type)
    if isinstance(named, GraphQLInterfaceType) or (
        isinstance(named, GraphQLObjectType) and "Entity" in {i.name for i in named.interfaces}
    ):
        return ENTITY_FIELDS
    if not isinstance(named, GraphQLObjectType):
        return ""
    if depth == 0:
        return "{ __typename }"
    inner = " ".join(
        f"{name} {_selection(schema, f, depth - 1)}" for name, f in named.fields.items()
    )
    return f"{{ {inner} }}"


def _everything_query(type_name: str) -> str:
    """A query asking every field of one entity type (nested entities by URN)."""
    schema = build_schema()
    gql_type = schema.get_type(type_name)
    assert isinstance(gql_type, GraphQLObjectType)
    fields = " ".join(f"{name} {_selection(schema, f, 4)}" for name, f in gql_type.fields.items())
    return f"query($urn: String!) {{ entity(urn: $urn) {{ ... on {type_name} {{ {fields} }} }} }}"


def test_every_field_of_every_demo_entity_resolves(
    client: TestClient, services: Services, demo: object
) -> None:
    rows, _ = services.entities.page(limit=1000)
    seen = set()
    for row in rows:
        query = _everything_query(BY_TYPE[row.entity_type].graphql)
        body = gql(client, query, {"urn": row.urn})
        assert "errors" not in body, (row.urn, body["errors"])
        entity = body["data"]["entity"]
        assert entity["urn"] == row.urn and entity["exists"] is True
        assert entity["type"] == BY_TYPE[row.entity_type].enum
        assert entity["name"]
        seen.add(row.entity_type)
    assert len(seen) >= 15  # the demo holds most entity types


@pytest.mark.usefixtures("demo")
def test_deployment(client: TestClient) -> None:
    query = """
    query($urn: String!) {
      mlModelDeployment(urn: $urn) {
        urn type name origin
        platform { urn name }
        created { time }
        properties { description status endpointUrl createdAt version { versionTag } }
        ownership { owners { owner { urn ... on CorpUser { username } } type } }
        relationships(direction: INCOMING, types: ["DeployedTo"]) {
          total relationships { type direction isLineage entity { urn type name } }
        }
      }
    }
    """
    assert gql(client, query, {"urn": FRAUD_ENDPOINT})["data"]["mlModelDeployment"] == {
        "urn": FRAUD_ENDPOINT,
        "type": "MLMODEL_DEPLOYMENT",
        "name": "fraud-detection-prod",
        "origin": "PROD",
        "platform": {"urn": "urn:li:dataPlatform:sagemaker", "name": "sagemaker"},
        "created": {"time": 1718892000000},
        "properties": {
            "description": "Real-time fraud scoring endpoint",
            "status": "IN_SERVICE",
            "endpointUrl": "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/"
            "fraud-detection-prod/invocations",
            "createdAt": 1718892000000,
            "version": {"versionTag": "3"},
        },
        "ownership": {
            "owners": [
                {
                    "owner": {
                        "urn": "urn:li:corpuser:data_science_team",
                        "username": "data_science_team",
                    },
                    "type": "TECHNICAL_OWNER",
                }
            ]
        },
        "relationships": {
            "total": 1,
            "relationships": [
                {
                    "type": "DeployedTo",
                    "direction": "INCOMING",
                    "isLineage": True,
                    "entity": {"urn": FRAUD_MODEL, "type": "MLMODEL", "name": "Fraud Detection"},
                }
            ],
        },
    }


@pytest.mark.usefixtures("demo")
def test_model_card_and_deployments_of_a_model(client: TestClient) -> None:
    query = """
    query($urn: String!) {
      mlModel(urn: $urn) {
        properties {
          version
          hyperParams { name value }
          deployments { urn properties { status } }
        }
        details { algorithm target mlStore { storage } dashboard { urn name } }
        trainingData { dataset { urn name } motivation preProcessing }
        domain { domain { urn } }
        tags { tags { tag { urn name } } }
        glossaryTerms { terms { term { urn } } }
      }
    }
    """
    model = gql(client, query, {"urn": FRAUD_MODEL})["data"]["mlModel"]
    assert model["properties"]["version"] is None  # the version lives in versionProperties
    assert model["properties"]["hyperParams"][0] == {"name": "n_estimators", "value": "500"}
    assert model["properties"]["deployments"] == [
        {"urn": FRAUD_ENDPOINT, "properties": {"status": "IN_SERVICE"}}
    ]
    assert model["details"]["algorithm"] == "Random Forest"
    assert model["details"]["dashboard"]["urn"] == "urn:li:dashboard:(looker,fraud_alerts)"
    assert model["trainingData"] == [
        {
            "dataset": {
                "urn": "urn:li:dataset:(urn:li:dataPlatform:snowflake,fraud_features,PROD)",
                "name": "fraud_features",
            },
            "motivation": "Six months of labelled transactions",
            "preProcessing": ["Downsampled legitimate transactions 10:1"],
        }
    ]
    assert model["domain"] == {"domain": {"urn": "urn:li:domain:risk"}}
    assert {"tag": {"urn": "urn:li:tag:fraud", "name": "fraud"}} in model["tags"]["tags"]
    assert model["glossaryTerms"]["terms"] == [{"term": {"urn": "urn:li:glossaryTerm:fraud-score"}}]


@pytest.mark.usefixtures("demo")
def test_version_aliases_and_raw_aspects(client: TestClient) -> None:
    query = """
    query($urn: String!) {
      mlModel(urn: $urn) {
        versionProperties { version { versionTag } aliases { versionTag } versionSet { urn } }
        aspects(names: ["mlModelProperties", "globalTags"]) { aspectName version payload value }
      }
    }
    """
    model = gql(client, query, {"urn": MODEL})["data"]["mlModel"]
    assert model["versionProperties"]["aliases"] == [
        {"versionTag": "champion"},
        {"versionTag": "challenger"},
    ]
    assert model["versionProperties"]["versionSet"]["urn"].startswith("urn:li:versionSet:")
    [props, tags] = sorted(model["aspects"], key=lambda a: a["aspectName"] != "mlModelProperties")
    assert props["value"]["name"] == "ARIMA Model"
    assert '"name":"ARIMA Model"' in props["payload"]
    assert {t["tag"] for t in tags["value"]["tags"]} >= {"urn:li:tag:marketing"}


@pytest.mark.usefixtures("demo")
def test_entity_and_entities_by_urn(client: TestClient) -> None:
    query = """
    query($urns: [String!]!) {
      entities(urns: $urns) {
        urn type
        ... on Dataset { properties { name } }
        ... on MLModelGroup { domain { domain { urn name } } }
      }
    }
    """
    missing = "urn:li:dataset:(urn:li:dataPlatform:s3,missing,PROD)"
    body = gql(client, query, {"urns": [IRIS_INPUT, missing, GROUP]})
    assert body["data"]["entities"] == [
        {
            "urn": IRIS_INPUT,
            "type": "DATASET",
            "properties": {"name": "Iris Training Input Data"},
        },
        None,
        {
            "urn": GROUP,
            "type": "MLMODEL_GROUP",
            "domain": {"domain": {"urn": "urn:li:domain:operations", "name": "operations"}},
        },
    ]
