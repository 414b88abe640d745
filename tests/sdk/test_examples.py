"""Both seed examples against a real `uvicorn` server, then every field they set read
back through the SDK."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from mlgraph.model.urn import guid
from mlgraph.sdk import (
    Client,
    Container,
    ContainerKey,
    Dataset,
    DatasetUrn,
    Experiment,
    MLModel,
    MLModelGroup,
    MlModelGroupUrn,
    MlModelUrn,
    SourceCodeUrlType,
    TrainingRun,
)
from mlgraph.sdk.entities.model_card import BaseData
from tests.live import mlgraph_server

pytestmark = pytest.mark.live

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mlgraph_server(tmp_path_factory.mktemp("live")) as live:
        yield live.url


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[Client]:
    with Client(server_url, token="ignored-for-now", actor="urn:li:corpuser:example") as c:
        yield c


@pytest.fixture(scope="module")
def seeded(client: Client) -> Client:
    _load("seed_000_churn_model").main(client)
    _load("seed_001_ai_assets").main(client)
    return client


def test_seed_000_churn_model(seeded: Client) -> None:
    model = seeded.entities.get(
        MlModelUrn(platform="mlflow", name="customer-churn-predictor"), MLModel
    )
    assert model.name == "Customer Churn Prediction Model"
    assert model.platform == "mlflow"
    assert model.description == (
        "A gradient boosting model that predicts customer churn based on usage patterns "
        "and engagement metrics"
    )
    assert model.custom_properties == {
        "framework": "xgboost",
        "framework_version": "1.7.0",
        "model_format": "pickle",
    }
    assert model.model_group == MlModelGroupUrn(platform="mlflow", name="customer-churn-models")
    assert model.hyper_params == {
        "learning_rate": "0.1",
        "max_depth": "6",
        "n_estimators": "100",
        "subsample": "0.8",
        "colsample_bytree": "0.8",
    }
    assert model.training_metrics == {
        "accuracy": "0.87",
        "precision": "0.84",
        "recall": "0.82",
        "f1_score": "0.83",
        "auc_roc": "0.91",
    }
    assert model.owners == ["urn:li:corpuser:data_science_team"]
    assert model.tags == ["urn:li:tag:production", "urn:li:tag:classification"]
    assert model.domain == "urn:li:domain:customer-analytics"
    intended = model.intended_use
    assert intended is not None
    assert intended.primaryUses == [
        "Predict customer churn to enable proactive retention campaigns",
        "Identify high-risk customers for targeted interventions",
    ]
    assert intended.primaryUsers == ["ENTERPRISE"]
    assert intended.outOfScopeUses == [
        "Not suitable for real-time predictions (batch inference only)",
        "Not trained on international markets outside North America",
    ]
    assert model.training_data == [
        BaseData(
            DatasetUrn(platform="snowflake", name="prod.analytics.customer_features"),
            "Historical customer data with confirmed churn labels",
            [
                "Removed customers with less than 30 days of history",
                "Standardized numerical features using StandardScaler",
                "One-hot encoded categorical variables",
            ],
        )
    ]
    assert model.source_code == {
        SourceCodeUrlType.ML_MODEL_SOURCE_CODE: (
            "https://github.com/example/ml-models/tree/main/churn-predictor"
        )
    }
    ethics = model.ethical_considerations
    assert ethics is not None
    assert ethics.data == ["Model uses demographic data (age, location) which may be sensitive"]
    assert ethics.risksAndHarms == [
        "Predictions may disproportionately affect certain customer segments",
        "False positives could lead to unnecessary retention spending",
    ]
    assert ethics.mitigations == [
        "Regular bias audits conducted quarterly",
        "Human review required for high-value customer interventions",
    ]
    history = seeded.aspects.history(model.urn, "mlModelProperties")
    assert [v.version for v in history] == [2, 1]
    assert {v.actor for v in history} == {"urn:li:corpuser:example"}


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def test_seed_001_basic_entities(seeded: Client) -> None:
    group = seeded.entities.get(
        MlModelGroupUrn(platform="mlflow", name="test_basic_group"), MLModelGroup
    )
    assert group.name == "test Basic Group"
    model = seeded.entities.get(MlModelUrn(platform="mlflow", name="test_basic_model"), MLModel)
    assert model.name == "test Basic Model"
    experiment = seeded.entities.get(ContainerKey("mlflow", "test_basic_experiment").as_urn())
    assert type(experiment) is Container
    assert (
        experiment.urn
        == f"urn:li:container:{guid({'platform': 'mlflow', 'name': 'test_basic_experiment'})}"
    )
    assert experiment.display_name == "test Basic Experiment"
    run = seeded.entities.get("urn:li:dataProcessInstance:test_basic_run", TrainingRun)
    assert run.name == "test Basic Run"
    assert run.subtype == "ML Training Run"
    assert run.created_by == "urn:li:corpuser:example"
    dataset = seeded.entities.get(DatasetUrn("snowflake", "test_basic_dataset"), Dataset)
    assert dataset.display_name == "test Basic Dataset"


def test_seed_001_advanced_model_group(seeded: Client) -> None:
    group = seeded.entities.get(
        MlModelGroupUrn(platform="mlflow", name="test_airline_forecast_models_group"),
        MLModelGroup,
    )
    assert group.name == "test Airline Forecast Models Group"
    assert group.description == "Updated description for airline forecast models"
    assert group.created is not None and group.last_modified is not None
    assert abs(group.created - _ms(datetime.now())) < 600_000
    assert group.owners == ["urn:li:corpuser:datahub"]
    assert group.external_url == "https://www.linkedin.com/in/datahub"
    assert group.tags == ["urn:li:tag:forecasting", "urn:li:tag:arima", "urn:li:tag:production"]
    assert group.terms == ["urn:li:glossaryTerm:forecasting", "urn:li:glossaryTerm:time-series"]
    assert group.custom_properties == {
        "team": "forecasting",
        "business_unit": "operations",
        "status": "active",
    }
    assert group.training_jobs == ["urn:li:dataProcessInstance:test_simple_training_run"]


def test_seed_001_advanced_model(seeded: Client) -> None:
    model = seeded.entities.get(MlModelUrn(platform="mlflow", name="test_arima_model"), MLModel)
    assert model.name == "test ARIMA Model"
    assert model.description == "ARIMA model for airline passenger forecasting"
    assert model.created is not None and abs(model.created - _ms(datetime.now())) < 600_000
    assert model.last_modified is not None
    assert model.owners == ["urn:li:corpuser:datahub"]
    assert model.external_url == "https://www.linkedin.com/in/datahub"
    assert model.tags == ["urn:li:tag:forecasting", "urn:li:tag:arima", "urn:li:tag:marketing"]
    assert model.terms == ["urn:li:glossaryTerm:forecasting", "urn:li:glossaryTerm:marketing"]
    assert model.custom_properties == {"team": "forecasting"}
    assert model.version == "2"
    assert model.aliases == ["champion", "challenger"]
    assert model.version_set == f"urn:li:versionSet:({guid({'urn': model.urn})},mlModel)"
    assert model.aspect_value("versionProperties")["sortId"] == "0000000002"  # type: ignore[index]
    assert model.hyper_params == {"learning_rate": "0.01"}
    assert model.training_metrics == {"accuracy": "0.9"}
    assert model.model_group == MlModelGroupUrn("mlflow", "test_airline_forecast_models_group")
    assert model.training_jobs == ["urn:li:dataProcessInstance:test_simple_training_run"]


def test_seed_001_advanced_experiment(seeded: Client) -> None:
    urn = ContainerKey(platform="mlflow", name="test_airline_forecast_experiment").as_urn()
    experiment = seeded.entities.get(urn, Experiment)
    assert experiment.display_name == "test Airline Forecast Experiment"
    assert experiment.subtype == "ML Experiment"
    assert experiment.platform == "mlflow"
    # The update rebuilt containerProperties from a fresh object, as the guide does.
    assert experiment.description == "Updated experiment for forecasting passenger numbers"
    assert experiment.custom_properties == {
        "team": "forecasting",
        "priority": "high",
        "status": "active",
    }
    assert experiment.created is None
    assert experiment.tags == ["urn:li:tag:time-series"]
    assert experiment.terms == ["urn:li:glossaryTerm:forecasting"]
    first = seeded.aspects.get(urn, "containerProperties", version=1).value or {}
    assert first["description"] == "Experiment to forecast airline passenger numbers"
    assert first["customProperties"] == {"team": "forecasting"}
    assert first["created"]["time"] == _ms(datetime(2025, 4, 9, 22, 30))
    assert first["lastModified"]["time"] == _ms(datetime(2025, 4, 9, 22, 30))


def test_seed_001_advanced_training_run(seeded: Client) -> None:
    run = seeded.entities.get("urn:li:dataProcessInstance:test_simple_training_run", TrainingRun)
    assert run.name == "test Simple Training Run"
    assert run.created == 1628580000000
    assert run.created_by == "urn:li:corpuser:datahub"
    assert run.custom_properties == {"team": "forecasting"}
    training = run.aspect_value("mlTrainingRunProperties") or {}
    assert training["id"] == "test_simple_training_run"
    assert run.output_urls == ["s3://my-bucket/output"]
    assert run.training_metrics == {"accuracy": "0.9"}
    assert run.hyper_params == {"learning_rate": "0.01"}
    assert run.external_url == "https:localhost:5000"
    assert run.result == "FAILURE"
    assert (run.start_timestamp, run.end_timestamp) == (1628580000000, 1628580001000)
    assert run.subtype == "ML Training Run"
    assert run.experiment == ContainerKey("mlflow", "test_airline_forecast_experiment").as_urn()
    assert run.inputs == [DatasetUrn("snowflake", "test_iris_input")]
    assert run.outputs == [DatasetUrn("snowflake", "test_iris_output")]
    edges = run.aspect_value("dataProcessInstanceOutput") or {}
    assert edges["outputEdges"] == [{"destinationUrn": DatasetUrn("snowflake", "test_iris_output")}]
    lineage = {(r.type, r.direction, r.urn) for r in seeded.relationships(run.urn)}
    assert ("TrainedBy", "incoming", MlModelUrn("mlflow", "test_arima_model")) in lineage
    assert ("Consumes", "outgoing", DatasetUrn("snowflake", "test_iris_input")) in lineage
    assert ("Produces", "outgoing", DatasetUrn("snowflake", "test_iris_output")) in lineage


@pytest.mark.parametrize(
    ("name", "description", "tags", "terms", "props"),
    [
        (
            "test_iris_input",
            "Raw Iris dataset used for training ML models",
            ["urn:li:tag:ml_data", "urn:li:tag:iris"],
            ["urn:li:glossaryTerm:raw_data"],
            {"data_source": "UCI Repository", "records": "150", "features": "4"},
        ),
        (
            "test_iris_output",
            "Processed Iris dataset with model predictions",
            ["urn:li:tag:ml_data", "urn:li:tag:predictions"],
            ["urn:li:glossaryTerm:model_output"],
            {"model_version": "1.0", "records": "150", "accuracy": "0.95"},
        ),
    ],
)
def test_seed_001_advanced_datasets(
    seeded: Client,
    name: str,
    description: str,
    tags: list[str],
    terms: list[str],
    props: dict[str, str],
) -> None:
    dataset = seeded.entities.get(DatasetUrn("snowflake", name), Dataset)
    assert (
        dataset.display_name
        == {
            "test_iris_input": "test Iris Training Input Data",
            "test_iris_output": "test Iris Model Output Data",
        }[name]
    )
    assert dataset.description == description
    assert [(c.name, c.type) for c in dataset.schema] == [
        ("id", "number"),
        ("name", "string"),
        ("species", "string"),
    ]
    assert dataset.tags == tags
    assert dataset.terms == terms
    assert dataset.owners == ["urn:li:corpuser:datahub"]
    assert dataset.custom_properties == props


def test_real_server_decodes_encoded_urns_once(client: Client) -> None:
    # Reserved characters in a name are percent-encoded inside the URN (%2C) and the
    # URN is URL-encoded again in the path; uvicorn must hand the route the URN intact.
    model = MLModel(id="a,b (v2)", platform="mlflow")
    assert model.urn == "urn:li:mlModel:(urn:li:dataPlatform:mlflow,a%2Cb %28v2%29,PROD)"
    client.entities.upsert(model)
    assert client.entities.get(model.urn).urn == model.urn
