"""The demo's lineage, as relationships: seed 004's chain from endpoint back to data,
seed 003's column-level feature lineage, seed 001's run/experiment/model links."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mlgraph.model.urn import Urn
from mlgraph.sdk import WriteResult
from tests.demo.reads import aspects, edges, entity_path, get_entity

MLFLOW = "urn:li:dataPlatform:mlflow"
SNOWFLAKE = "urn:li:dataPlatform:snowflake"


def s3(name: str) -> str:
    return f"urn:li:dataset:(urn:li:dataPlatform:s3,{name},PROD)"


def snowflake(name: str) -> str:
    return f"urn:li:dataset:({SNOWFLAKE},{name},PROD)"


def column(table: str, name: str) -> str:
    return f"urn:li:schemaField:({snowflake(table)},{name})"


PREDICT = f"urn:li:mlModelDeployment:({MLFLOW},/predict v2.1,PROD)"
CLF_21 = f"urn:li:mlModel:({MLFLOW},clf-v2.1,PROD)"
CLF_20 = f"urn:li:mlModel:({MLFLOW},clf-v2.0,PROD)"
CLF_GROUP = f"urn:li:mlModelGroup:({MLFLOW},clf_orders,PROD)"
EXP_47B = "urn:li:dataProcessInstance:exp-47b"
EXP_41A = "urn:li:dataProcessInstance:exp-41a"


def test_seed_004_endpoint_traces_back_to_its_data(
    client: TestClient, demo: list[WriteResult]
) -> None:
    endpoint = aspects(client, PREDICT)["mlModelDeploymentProperties"]
    assert endpoint["name"] == "/predict v2.1"
    assert endpoint["status"] == "IN_SERVICE"

    # /predict v2.1 <- clf-v2.1 <- exp-47b <- orders_v2.1, users_v3.0
    assert ("DeployedTo", "incoming", CLF_21) in edges(client, PREDICT)
    model_edges = edges(client, CLF_21, "outgoing")
    assert ("DeployedTo", "outgoing", PREDICT) in model_edges
    assert ("TrainedBy", "outgoing", EXP_47B) in model_edges
    assert ("MemberOf", "outgoing", CLF_GROUP) in model_edges
    run_edges = edges(client, EXP_47B)
    assert ("TrainedBy", "incoming", CLF_21) in run_edges
    assert ("Consumes", "outgoing", s3("orders_v2.1")) in run_edges
    assert ("Consumes", "outgoing", s3("users_v3.0")) in run_edges
    assert ("Produces", "outgoing", CLF_21) in run_edges
    experiment = next(u for t, d, u in run_edges if t == "IsPartOf")
    assert aspects(client, experiment)["containerProperties"]["name"] == "orders_fraud_detection"
    assert ("Consumes", "incoming", EXP_47B) in edges(client, s3("orders_v2.1"))

    run = aspects(client, EXP_47B)
    assert run["dataProcessInstanceProperties"]["customProperties"] == {
        "dataset_version": "orders_v2.1+users_v3.0",
        "git_commit": "e41c07a",
        "triggered_by": "ci/github-actions",
        "business_unit": "payments",
    }
    training = run["mlTrainingRunProperties"]
    assert training["hyperParams"] == [
        {"name": "learning_rate", "value": "3e-4"},
        {"name": "epochs", "value": "15"},
    ]
    assert training["trainingMetrics"] == [
        {"name": "val_accuracy", "value": "0.87"},
        {"name": "val_auc", "value": "0.93"},
    ]
    version = aspects(client, CLF_21)["versionProperties"]
    assert version["version"] == {"versionTag": "2.1"}
    assert version["aliases"] == [{"versionTag": "Production"}]


def test_seed_004_previous_passing_version_is_archived_with_its_own_lineage(
    client: TestClient, demo: list[WriteResult]
) -> None:
    model = aspects(client, CLF_20)
    assert model["versionProperties"]["aliases"] == [{"versionTag": "Archived"}]
    # the label, and the registry stage it reached after v2.1 was approved into Production
    assert model["globalTags"]["tags"] == [
        {"tag": "urn:li:tag:archived"},
        {"tag": "urn:li:tag:mlflow_archived"},
    ]
    assert (
        model["versionProperties"]["versionSet"]
        == (aspects(client, CLF_21)["versionProperties"]["versionSet"])
    )
    assert ("TrainedBy", "outgoing", EXP_41A) in edges(client, CLF_20)
    run_edges = edges(client, EXP_41A)
    assert ("Consumes", "outgoing", s3("orders_v2.0")) in run_edges
    assert ("Consumes", "outgoing", s3("users_v3.0")) in run_edges
    run = aspects(client, EXP_41A)
    assert run["dataProcessInstanceProperties"]["customProperties"]["git_commit"] == "b7d9e4"
    assert {"name": "learning_rate", "value": "1e-3"} in run["mlTrainingRunProperties"][
        "hyperParams"
    ]
    assert not any(t == "DeployedTo" for t, _, _ in edges(client, CLF_20))


FRAUD_MODEL = f"urn:li:mlModel:({MLFLOW},fraud_detection,PROD)"
SAGEMAKER = "urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,fraud-detection-prod,PROD)"
DASHBOARD = "urn:li:dashboard:(looker,fraud_alerts)"
JOB = "urn:li:dataJob:(urn:li:dataFlow:(airflow,fraud_feature_pipeline,PROD),build_fraud_features)"


def test_seed_003_features_come_from_columns(client: TestClient, demo: list[WriteResult]) -> None:
    features = [u for t, _, u in edges(client, FRAUD_MODEL, "outgoing") if t == "Consumes"]
    assert len(features) == 4
    for feature in features:
        sources = aspects(client, feature)["mlFeatureProperties"]["sources"]
        assert sources
        for source in sources:
            parsed = Urn.parse(source)
            assert parsed.entity_type == "schemaField"
            assert Urn.parse(parsed.parts[0]).entity_type == "dataset"
            assert ("DerivedFrom", "outgoing", source) in edges(client, feature)
            assert ("DerivedFrom", "incoming", feature) in edges(client, source)
    amount = column("transactions", "amount")
    derived = {u for t, d, u in edges(client, amount) if t == "DerivedFrom"}
    assert derived == {"urn:li:mlFeature:(fraud_features,amount_zscore)"}
    # The pipeline reads the same column.
    assert ("Consumes", "incoming", JOB) in edges(client, amount)
    job_edges = edges(client, JOB, "outgoing")
    assert ("Consumes", "outgoing", snowflake("transactions")) in job_edges
    assert ("Consumes", "outgoing", snowflake("customers")) in job_edges
    assert ("Produces", "outgoing", snowflake("fraud_features")) in job_edges


def test_seed_003_model_to_dashboard(client: TestClient, demo: list[WriteResult]) -> None:
    model = aspects(client, FRAUD_MODEL)
    assert model["mlModelDetails"]["algorithm"] == "Random Forest"
    assert model["mlModelDetails"]["dashboard"] == DASHBOARD
    assert model["mlModelProperties"]["trainingMetrics"] == [
        {"name": "auc", "value": "0.93"},
        {"name": "precision", "value": "0.85"},
    ]
    assert model["ownership"]["owners"][0]["owner"] == "urn:li:corpuser:data_science_team"
    assert model["mlModelTrainingData"]["trainingData"][0]["dataset"] == snowflake("fraud_features")
    model_edges = edges(client, FRAUD_MODEL)
    assert ("TrainedOn", "outgoing", snowflake("fraud_features")) in model_edges
    assert ("DeployedTo", "outgoing", SAGEMAKER) in model_edges
    assert ("MonitoredBy", "outgoing", DASHBOARD) in model_edges
    run = next(u for t, d, u in model_edges if t == "TrainedBy")
    assert ("Consumes", "outgoing", snowflake("fraud_features")) in edges(client, run)
    status = aspects(client, SAGEMAKER)["mlModelDeploymentProperties"]["status"]
    assert status == "IN_SERVICE"
    assert ("DownstreamOf", "incoming", snowflake("fraud_scores")) in edges(client, SAGEMAKER)
    assert ("Consumes", "outgoing", snowflake("fraud_scores")) in edges(client, DASHBOARD)
    assert aspects(client, DASHBOARD)["dashboardInfo"]["title"] == "Fraud Alerts"


ARIMA = f"urn:li:mlModel:({MLFLOW},arima_model,PROD)"
AIRLINE_GROUP = f"urn:li:mlModelGroup:({MLFLOW},airline_forecast_models_group,PROD)"
SIMPLE_RUN = "urn:li:dataProcessInstance:simple_training_run"


def test_seed_001_relationships_and_updates(client: TestClient, demo: list[WriteResult]) -> None:
    model = aspects(client, ARIMA)
    assert model["versionProperties"]["version"] == {"versionTag": "2"}
    assert model["versionProperties"]["aliases"] == [
        {"versionTag": "champion"},
        {"versionTag": "challenger"},
    ]
    assert [t["tag"] for t in model["globalTags"]["tags"]] == [
        "urn:li:tag:forecasting",
        "urn:li:tag:arima",
        "urn:li:tag:marketing",
    ]
    history = client.get(entity_path(ARIMA, "aspects", "versionProperties", "history"))
    versions = history.json()["versions"]
    # created as version 1; `champion` pointed at it once approved; then version 2
    assert [
        (
            v["value"]["version"]["versionTag"],
            [a["versionTag"] for a in v["value"].get("aliases", [])],
        )
        for v in versions
    ] == [("2", ["champion", "challenger"]), ("1", ["champion"]), ("1", [])]

    assert ("MemberOf", "outgoing", AIRLINE_GROUP) in edges(client, ARIMA)
    assert ("TrainedBy", "outgoing", SIMPLE_RUN) in edges(client, ARIMA)
    assert ("TrainedBy", "outgoing", SIMPLE_RUN) in edges(client, AIRLINE_GROUP)
    run_edges = edges(client, SIMPLE_RUN, "outgoing")
    assert ("Consumes", "outgoing", snowflake("iris_input")) in run_edges
    assert ("Produces", "outgoing", snowflake("iris_output")) in run_edges
    experiment = next(u for t, d, u in run_edges if t == "IsPartOf")
    props = aspects(client, experiment)["containerProperties"]
    assert props["name"] == "Airline Forecast Experiment"
    assert props["description"] == "Updated experiment for forecasting passenger numbers"
    run = get_entity(client, SIMPLE_RUN)["aspects"]
    assert run["dataProcessInstanceRunEvent"]["value"]["result"]["type"] == "FAILURE"
    assert run["mlTrainingRunProperties"]["value"]["outputUrls"] == ["s3://my-bucket/output"]
    group = aspects(client, AIRLINE_GROUP)["mlModelGroupProperties"]
    assert group["customProperties"] == {
        "team": "forecasting",
        "business_unit": "operations",
        "status": "active",
    }
