"""DataHub's own client (acryl-datahub, from its own venv) against a real mlgraph
server: seeds 000 and 001 as published but for the server URL, then every value read
back through DataHub's client and through mlgraph's own REST API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.integrations.datahub.conftest import run_datahub

pytestmark = pytest.mark.live

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
ARIMA = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,test_arima_model,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,test_airline_forecast_models_group,PROD)"
RUN = "urn:li:dataProcessInstance:test_simple_training_run"
INPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,test_iris_input,PROD)"
OUTPUT = "urn:li:dataset:(urn:li:dataPlatform:snowflake,test_iris_output,PROD)"
# DataHub 1.7's ContainerKey declares no `name`, so every ContainerKey(platform="mlflow",
# name=...) hashes {"platform": "mlflow"}: both seed experiments are this one container.
EXPERIMENT = "urn:li:container:541501e1c563a2fe26dddead6e9ea395"


@pytest.fixture(scope="module")
def seeded(live_url: str) -> dict[str, Any]:
    churn = run_datahub("seed_000_churn_model.py", live_url)
    log = run_datahub("seed_001_ai_assets.py", "--server_url", live_url)
    assert "All done! AI entities created successfully." in log
    patched = run_datahub("patch_and_raw.py", live_url)
    return {
        "churn": churn,
        "assets": run_datahub("read_ai_assets.py", live_url),
        "patched": patched,
    }


def _aspects(url: str, urn: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/entities/{quote(urn, safe='')}")
    assert response.status_code == 200, response.text
    return {name: a["value"] for name, a in response.json()["aspects"].items()}


def test_seed_000_through_the_datahub_client(seeded: dict[str, Any]) -> None:
    churn = seeded["churn"]
    assert churn["urn"] == MODEL
    assert churn["name"] == "Customer Churn Prediction Model"
    assert churn["description"].startswith("A gradient boosting model that predicts customer")
    assert churn["platform"] == "urn:li:dataPlatform:mlflow"
    assert churn["custom_properties"] == {
        "framework": "xgboost",
        "framework_version": "1.7.0",
        "model_format": "pickle",
    }
    assert churn["model_group"] == (
        "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,customer-churn-models,PROD)"
    )
    assert churn["hyper_params"] == {
        "learning_rate": "0.1",
        "max_depth": "6",
        "n_estimators": "100",
        "subsample": "0.8",
        "colsample_bytree": "0.8",
    }
    assert churn["training_metrics"] == {
        "accuracy": "0.87",
        "precision": "0.84",
        "recall": "0.82",
        "f1_score": "0.83",
        "auc_roc": "0.91",
    }
    assert churn["owners"] == [["urn:li:corpuser:data_science_team", "TECHNICAL_OWNER"]]
    assert churn["tags"] == ["urn:li:tag:production", "urn:li:tag:classification"]
    assert churn["domain"] == "urn:li:domain:customer-analytics"
    card = churn["card"]
    assert card["intendedUse"]["primaryUsers"] == ["ENTERPRISE"]
    assert len(card["intendedUse"]["primaryUses"]) == 2
    assert card["intendedUse"]["outOfScopeUses"][1].startswith("Not trained on international")
    [training] = card["mlModelTrainingData"]["trainingData"]
    assert training["dataset"] == (
        "urn:li:dataset:(urn:li:dataPlatform:snowflake,prod.analytics.customer_features,PROD)"
    )
    assert training["motivation"] == "Historical customer data with confirmed churn labels"
    assert len(training["preProcessing"]) == 3
    assert card["sourceCode"]["sourceCode"] == [
        {
            "type": "ML_MODEL_SOURCE_CODE",
            "sourceCodeUrl": "https://github.com/example/ml-models/tree/main/churn-predictor",
        }
    ]
    ethics = card["mlModelEthicalConsiderations"]
    assert ethics["data"] == ["Model uses demographic data (age, location) which may be sensitive"]
    assert len(ethics["risksAndHarms"]) == 2 and len(ethics["mitigations"]) == 2
    assert card["cost"]["cost"]["costCode"] == "cc-churn-42"
    assert churn["key"] == {
        "platform": "urn:li:dataPlatform:mlflow",
        "name": "customer-churn-predictor",
        "origin": "PROD",
    }
    assert churn["exists"] is True
    assert churn["exists_missing"] is False


def test_seed_000_through_mlgraph(seeded: dict[str, Any], live_url: str) -> None:
    aspects = _aspects(live_url, MODEL)
    props = aspects["mlModelProperties"]
    assert props["name"] == "Customer Churn Prediction Model"
    assert {p["name"]: p["value"] for p in props["hyperParams"]}["max_depth"] == "6"
    assert {m["name"]: m["value"] for m in props["trainingMetrics"]}["auc_roc"] == "0.91"
    assert props["groups"] == [
        "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,customer-churn-models,PROD)"
    ]
    assert [t["tag"] for t in aspects["globalTags"]["tags"]] == [
        "urn:li:tag:production",
        "urn:li:tag:classification",
    ]
    assert aspects["ownership"]["owners"][0]["owner"] == "urn:li:corpuser:data_science_team"
    assert aspects["domains"]["domains"] == ["urn:li:domain:customer-analytics"]
    assert aspects["intendedUse"] == seeded["churn"]["card"]["intendedUse"]
    assert aspects["mlModelEthicalConsiderations"]["mitigations"][0].startswith("Regular bias")
    assert aspects["cost"]["cost"]["costCode"] == "cc-churn-42"
    # The aspect mlgraph does not model, stored as it came.
    assert aspects["editableMlModelProperties"] == {"description": "Edited in the UI"}
    assert seeded["patched"]["editable"] == {"description": "Edited in the UI"}


def test_seed_001_through_the_datahub_client(seeded: dict[str, Any]) -> None:
    assets = seeded["assets"]
    arima = assets["models"]["test_arima_model"]
    assert arima["urn"] == ARIMA
    assert arima["name"] == "test ARIMA Model"
    assert arima["description"] == "ARIMA model for airline passenger forecasting"
    assert arima["external_url"] == "https://www.linkedin.com/in/datahub"
    assert arima["custom_properties"] == {"team": "forecasting"}
    assert arima["version"] == "2"
    assert arima["aliases"] == ["challenger", "champion"]
    assert arima["hyper_params"] == {"learning_rate": "0.01"}
    assert arima["training_metrics"] == {"accuracy": "0.9"}
    assert arima["model_group"] == GROUP
    assert arima["training_jobs"] == [RUN]
    assert arima["tags"] == ["urn:li:tag:arima", "urn:li:tag:forecasting", "urn:li:tag:marketing"]
    assert arima["terms"] == ["urn:li:glossaryTerm:forecasting", "urn:li:glossaryTerm:marketing"]
    assert arima["owners"] == ["urn:li:corpuser:datahub"]
    assert arima["created"] is True
    basic = assets["models"]["test_basic_model"]
    assert basic["name"] == "test Basic Model" and basic["version"] is None

    group = assets["groups"]["test_airline_forecast_models_group"]
    assert group["urn"] == GROUP
    assert group["name"] == "test Airline Forecast Models Group"
    assert group["description"] == "Updated description for airline forecast models"
    assert group["custom_properties"] == {
        "team": "forecasting",
        "business_unit": "operations",
        "status": "active",
    }
    assert group["training_jobs"] == [RUN]
    assert group["tags"] == ["urn:li:tag:arima", "urn:li:tag:forecasting", "urn:li:tag:production"]
    assert group["terms"] == ["urn:li:glossaryTerm:forecasting", "urn:li:glossaryTerm:time-series"]
    assert assets["groups"]["test_basic_group"]["name"] == "test Basic Group"

    for experiment in assets["experiments"].values():  # one container, as in DataHub
        assert experiment["urn"] == EXPERIMENT
        assert experiment["display_name"] == "test Airline Forecast Experiment"
        assert experiment["description"] == "Updated experiment for forecasting passenger numbers"
        assert experiment["custom_properties"] == {
            "team": "forecasting",
            "priority": "high",
            "status": "active",
        }
        assert experiment["subtype"] == "ML Experiment"
        assert experiment["tags"] == ["urn:li:tag:time-series"]
        assert experiment["terms"] == ["urn:li:glossaryTerm:forecasting"]

    run = assets["runs"]["test_simple_training_run"]
    assert run["dataProcessInstanceProperties"]["name"] == "test Simple Training Run"
    assert run["dataProcessInstanceProperties"]["customProperties"] == {"team": "forecasting"}
    assert run["dataProcessInstanceProperties"]["created"]["time"] == 1628580000000
    training = run["mlTrainingRunProperties"]
    assert training["outputUrls"] == ["s3://my-bucket/output"]
    assert training["hyperParams"] == [{"name": "learning_rate", "value": "0.01"}]
    assert training["trainingMetrics"] == [{"name": "accuracy", "value": "0.9"}]
    assert training["externalUrl"] == "https:localhost:5000"
    assert run["subTypes"] == {"typeNames": ["ML Training Run"]}
    assert run["container"] == {"container": EXPERIMENT}
    assert run["dataProcessInstanceInput"]["inputEdges"] == [{"destinationUrn": INPUT}]
    assert run["dataProcessInstanceOutput"]["outputEdges"] == [{"destinationUrn": OUTPUT}]
    basic_run = assets["runs"]["test_basic_run"]
    assert basic_run["dataProcessInstanceProperties"]["name"] == "test Basic Run"

    output = assets["datasets"]["test_iris_output"]
    assert output["display_name"] == "test Iris Model Output Data"
    assert output["description"] == "Processed Iris dataset with model predictions"
    assert output["schema"] == [["id", "number"], ["name", "string"], ["species", "string"]]
    assert output["tags"] == ["urn:li:tag:ml_data", "urn:li:tag:predictions"]
    assert output["terms"] == ["urn:li:glossaryTerm:model_output"]
    assert output["owners"] == ["urn:li:corpuser:datahub"]
    assert output["custom_properties"] == {
        "model_version": "1.0",
        "records": "150",
        "accuracy": "0.95",
    }
    assert assets["datasets"]["test_basic_dataset"]["display_name"] == "test Basic Dataset"


def test_seed_001_through_mlgraph(seeded: dict[str, Any], live_url: str) -> None:
    run = _aspects(live_url, RUN)
    assert run["dataProcessInstanceRunEvent"]["status"] == "COMPLETE"
    assert run["dataProcessInstanceRunEvent"]["result"]["type"] == "FAILURE"
    assert run["dataProcessInstanceRunEvent"]["durationMillis"] == 1000
    assert run["container"] == {"container": EXPERIMENT}
    arima = _aspects(live_url, ARIMA)
    assert arima["versionProperties"]["version"] == {"versionTag": "2"}
    assert [a["versionTag"] for a in arima["versionProperties"]["aliases"]] == [
        "champion",
        "challenger",
    ]
    assert arima["mlModelProperties"]["trainingJobs"] == [RUN]
    group = _aspects(live_url, GROUP)
    assert group["mlModelGroupProperties"]["trainingJobs"] == [RUN]
    experiment = _aspects(live_url, EXPERIMENT)
    assert experiment["subTypes"] == {"typeNames": ["ML Experiment"]}
    assert experiment["containerProperties"]["name"] == "test Airline Forecast Experiment"


def test_lineage_from_the_input_dataset(seeded: dict[str, Any], live_url: str) -> None:
    response = httpx.get(
        f"{live_url}/api/v1/lineage/{quote(INPUT, safe='')}",
        params={"direction": "downstream", "depth": 3},
    )
    assert response.status_code == 200, response.text
    nodes = {n["urn"]: n for n in response.json()["nodes"]}
    assert {RUN, OUTPUT, ARIMA, GROUP} <= nodes.keys()
    assert nodes[ARIMA]["paths"] == [[INPUT, RUN, ARIMA]]
    assert nodes[RUN]["degree"] == 1


def test_patch_builders(seeded: dict[str, Any], live_url: str) -> None:
    patched = seeded["patched"]
    assert patched["tags"] == ["urn:li:tag:ml_data", "urn:li:tag:patched"]
    assert patched["owners"] == [
        ["urn:li:corpuser:datahub", "TECHNICAL_OWNER"],
        ["urn:li:corpuser:patcher", "DATA_STEWARD"],
    ]
    assert patched["terms"] == ["urn:li:glossaryTerm:patched_term", "urn:li:glossaryTerm:raw_data"]
    assert patched["custom_properties"] == {
        "data_source": "UCI Repository",
        "records": "150",
        "patched": "yes",
    }
    assert patched["description"] == "Patched description"
    tags = _aspects(live_url, INPUT)["globalTags"]["tags"]
    assert [t["tag"] for t in tags] == ["urn:li:tag:ml_data", "urn:li:tag:patched"]


def test_connection_and_config(live_url: str) -> None:
    config = httpx.get(f"{live_url}/config").json()
    assert config["noCode"] == "true"
    assert config["datahub"]["serverEnv"] == "core"


def _graphql(url: str, query: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    return body["data"]


def test_what_datahubs_client_wrote_reads_back_through_graphql(
    seeded: dict[str, Any], live_url: str
) -> None:
    """Seed 001's verification queries, as printed there, over what DataHub's own client
    wrote (only the URN literals are this run's: the seed prints shortened ones)."""
    group = _graphql(
        live_url,
        f'query {{ mlModelGroup(urn: "{GROUP}") {{ properties {{ name description created {{ time }} }} }} }}',
    )["mlModelGroup"]["properties"]
    assert group["name"] == "test Airline Forecast Models Group"
    assert group["description"] == "Updated description for airline forecast models"
    assert isinstance(group["created"]["time"], int)

    model = _graphql(
        live_url,
        f'query {{ mlModel(urn: "{ARIMA}") {{ name properties {{ name description '
        "groups { urn properties { name } } mlModelLineageInfo { trainingJobs } } "
        "versionProperties { version { versionTag } } } }",
    )["mlModel"]
    assert model["properties"]["description"] == "ARIMA model for airline passenger forecasting"
    assert model["properties"]["groups"] == [
        {"urn": GROUP, "properties": {"name": "test Airline Forecast Models Group"}}
    ]
    assert model["properties"]["mlModelLineageInfo"] == {"trainingJobs": [RUN]}
    assert model["versionProperties"] == {"version": {"versionTag": "2"}}

    container = _graphql(
        live_url,
        f'query {{ container(urn: "{EXPERIMENT}") {{ properties {{ name description }} }} }}',
    )["container"]["properties"]
    assert container == {
        "name": "test Airline Forecast Experiment",
        "description": "Updated experiment for forecasting passenger numbers",
    }

    run = _graphql(
        live_url,
        f'query {{ dataProcessInstance(urn: "{RUN}") {{ name created {{ time }} '
        "properties { customProperties } parentContainers { containers { urn properties { name } } } } }",
    )["dataProcessInstance"]
    assert run["name"] == "test Simple Training Run"
    assert run["created"] == {"time": 1628580000000}
    assert run["properties"] == {"customProperties": {"team": "forecasting"}}
    assert run["parentContainers"]["containers"] == [
        {"urn": EXPERIMENT, "properties": {"name": "test Airline Forecast Experiment"}}
    ]

    dataset = _graphql(
        live_url,
        f'query {{ dataset(urn: "{OUTPUT}") {{ name properties {{ customProperties }} }} }}',
    )["dataset"]
    assert dataset == {
        "name": "test_iris_output",
        "properties": {
            "customProperties": {"model_version": "1.0", "records": "150", "accuracy": "0.95"}
        },
    }
    churn = _graphql(
        live_url,
        f'query {{ mlModel(urn: "{MODEL}") {{ properties {{ name customProperties }} }} }}',
    )["mlModel"]["properties"]
    assert churn["name"] == "Customer Churn Prediction Model"
    assert churn["customProperties"]["framework"] == "xgboost"
