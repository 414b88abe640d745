"""The demo catalog, loaded into the real app through the SDK, read back over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mlgraph.demo import load_demo, write_demo
from mlgraph.sdk import Client, WriteResult
from tests.demo.reads import aspects, edges, get_entity

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
CHURN_GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,customer-churn-models,PROD)"
CUSTOMER_FEATURES = (
    "urn:li:dataset:(urn:li:dataPlatform:snowflake,prod.analytics.customer_features,PROD)"
)
HOLDOUT = (
    "urn:li:dataset:(urn:li:dataPlatform:snowflake,prod.analytics.customer_features_holdout,PROD)"
)


def test_churn_model_has_every_aspect_the_demo_set(
    client: TestClient, demo: list[WriteResult]
) -> None:
    got = aspects(client, CHURN)
    assert set(got) == {
        "dataPlatformInstance",
        "mlModelProperties",
        "ownership",
        "globalTags",
        "glossaryTerms",
        "domains",
        "intendedUse",
        "mlModelTrainingData",
        "mlModelEvaluationData",
        "sourceCode",
        "mlModelEthicalConsiderations",
        "mlModelCaveatsAndRecommendations",
        "mlModelFactorPrompts",
        "mlModelQuantitativeAnalyses",
        "mlModelMetrics",
        "cost",
    }
    props = got["mlModelProperties"]
    assert props["name"] == "Customer Churn Prediction Model"
    assert props["description"].startswith("A gradient boosting model that predicts customer churn")
    assert props["type"] == "Gradient Boosted Trees"
    assert props["customProperties"] == {
        "framework": "xgboost",
        "framework_version": "1.7.0",
        "model_format": "pickle",
    }
    assert props["groups"] == [CHURN_GROUP]
    assert props["hyperParams"] == [
        {"name": "learning_rate", "value": "0.1"},
        {"name": "max_depth", "value": "6"},
        {"name": "n_estimators", "value": "100"},
        {"name": "subsample", "value": "0.8"},
        {"name": "colsample_bytree", "value": "0.8"},
    ]
    assert props["trainingMetrics"] == [
        {"name": "accuracy", "value": "0.87"},
        {"name": "precision", "value": "0.84"},
        {"name": "recall", "value": "0.82"},
        {"name": "f1_score", "value": "0.83"},
        {"name": "auc_roc", "value": "0.91"},
    ]
    assert got["dataPlatformInstance"] == {"platform": "urn:li:dataPlatform:mlflow"}
    assert got["ownership"]["owners"] == [
        {"owner": "urn:li:corpuser:data_science_team", "type": "TECHNICAL_OWNER"}
    ]
    assert got["globalTags"]["tags"] == [
        {"tag": "urn:li:tag:production"},
        {"tag": "urn:li:tag:classification"},
    ]
    assert got["glossaryTerms"]["terms"] == [{"urn": "urn:li:glossaryTerm:customer-churn"}]
    assert got["domains"]["domains"] == ["urn:li:domain:customer-analytics"]
    assert got["intendedUse"] == {
        "primaryUses": [
            "Predict customer churn to enable proactive retention campaigns",
            "Identify high-risk customers for targeted interventions",
        ],
        "primaryUsers": ["ENTERPRISE"],
        "outOfScopeUses": [
            "Not suitable for real-time predictions (batch inference only)",
            "Not trained on international markets outside North America",
        ],
    }
    assert got["mlModelTrainingData"] == {
        "trainingData": [
            {
                "dataset": CUSTOMER_FEATURES,
                "motivation": "Historical customer data with confirmed churn labels",
                "preProcessing": [
                    "Removed customers with less than 30 days of history",
                    "Standardized numerical features using StandardScaler",
                    "One-hot encoded categorical variables",
                ],
            }
        ]
    }
    evaluation = got["mlModelEvaluationData"]["evaluationData"]
    assert [e["dataset"] for e in evaluation] == [HOLDOUT]
    assert evaluation[0]["motivation"].startswith("Customers held out of training")
    assert got["sourceCode"]["sourceCode"] == [
        {
            "type": "ML_MODEL_SOURCE_CODE",
            "sourceCodeUrl": "https://github.com/example/ml-models/tree/main/churn-predictor",
        },
        {
            "type": "TRAINING_PIPELINE_SOURCE_CODE",
            "sourceCodeUrl": "https://github.com/example/ml-models/tree/main/churn-predictor/train",
        },
        {
            "type": "EVALUATION_PIPELINE_SOURCE_CODE",
            "sourceCodeUrl": "https://github.com/example/ml-models/tree/main/churn-predictor/eval",
        },
    ]
    assert got["mlModelEthicalConsiderations"] == {
        "data": ["Model uses demographic data (age, location) which may be sensitive"],
        "mitigations": [
            "Regular bias audits conducted quarterly",
            "Human review required for high-value customer interventions",
        ],
        "risksAndHarms": [
            "Predictions may disproportionately affect certain customer segments",
            "False positives could lead to unnecessary retention spending",
        ],
        "useCases": ["Retention offers; never pricing or credit decisions"],
    }
    caveats = got["mlModelCaveatsAndRecommendations"]
    assert caveats["caveats"] == {
        "needsFurtherTesting": True,
        "caveatDescription": "Accuracy drops for customers with under 90 days of history",
        "groupsNotRepresented": ["Customers outside North America", "Enterprise accounts"],
    }
    assert caveats["recommendations"] == "Retrain monthly; monitor precision per region"
    assert len(caveats["idealDatasetCharacteristics"]) == 2
    assert got["mlModelFactorPrompts"] == {
        "relevantFactors": [
            {"groups": ["age band", "region"], "environment": ["batch scoring, nightly"]}
        ],
        "evaluationFactors": [
            {"groups": ["subscription tier", "tenure bucket"], "instrumentation": ["holdout"]}
        ],
    }
    assert got["mlModelQuantitativeAnalyses"]["unitaryResults"].startswith("AUC by subscription")
    assert got["mlModelQuantitativeAnalyses"]["intersectionalResults"].startswith("AUC by region")
    assert got["mlModelMetrics"] == {
        "performanceMeasures": ["AUC-ROC", "precision", "recall", "F1"],
        "decisionThreshold": ["0.5 for retention offers", "0.8 for human review"],
    }
    assert got["cost"] == {
        "costType": "ORG_COST_TYPE",
        "cost": {"costCode": "ml-churn-retention", "fieldDiscriminator": "costCode"},
    }


def test_churn_training_data_is_a_dataset_with_a_schema(
    client: TestClient, demo: list[WriteResult]
) -> None:
    table = aspects(client, CUSTOMER_FEATURES)
    columns = [f["fieldPath"] for f in table["schemaMetadata"]["fields"]]
    assert "churned" in columns and "recency" in columns
    assert ("TrainedOn", "incoming", CHURN) in edges(client, CUSTOMER_FEATURES)
    assert ("EvaluatedOn", "incoming", CHURN) in edges(client, HOLDOUT)
    assert ("MemberOf", "outgoing", CHURN_GROUP) in edges(client, CHURN)


def test_loading_twice_writes_nothing_new(client: TestClient, sdk: Client) -> None:
    first = write_demo(sdk)
    listed = client.get("/api/v1/entities", params={"limit": 1000}).json()["entities"]
    assert len({r.urn for r in first if r.changed}) == len(listed)
    before = {e["urn"]: _versions(client, e["urn"]) for e in listed}

    second = write_demo(sdk)

    assert second, "the second load made no writes to compare"
    assert [r for r in second if r.changed] == []
    assert load_demo(sdk) == 0
    after = {e["urn"]: _versions(client, e["urn"]) for e in listed}
    assert after == before


def _versions(http: TestClient, urn: str) -> dict[str, int]:
    return {name: a["version"] for name, a in get_entity(http, urn)["aspects"].items()}
