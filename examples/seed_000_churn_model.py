"""DataHub's ML Model guide (seed 000), written with mlgraph's SDK: create a churn
model, add hyper-parameters, metrics, ownership, tags and a domain, then fill in its
model card (intended use, training data, source code, ethical considerations).

Run against a server: `MLGRAPH_URL=http://127.0.0.1:8731 python examples/seed_000_churn_model.py`
"""

from __future__ import annotations

from mlgraph.sdk import (
    BaseData,
    Client,
    CorpUserUrn,
    DatasetUrn,
    DomainUrn,
    IntendedUserType,
    MLModel,
    MlModelGroupUrn,
    MlModelUrn,
    TagUrn,
)

MODEL_URN = MlModelUrn(platform="mlflow", name="customer-churn-predictor")


def create_model(client: Client) -> MLModel:
    """Python SDK: Create an ML Model."""
    mlmodel = MLModel(
        id="customer-churn-predictor",
        name="Customer Churn Prediction Model",
        platform="mlflow",
        description="A gradient boosting model that predicts customer churn based on usage "
        "patterns and engagement metrics",
        custom_properties={
            "framework": "xgboost",
            "framework_version": "1.7.0",
            "model_format": "pickle",
        },
        model_group=MlModelGroupUrn(platform="mlflow", name="customer-churn-models"),
    )
    client.entities.upsert(mlmodel)
    return mlmodel


def add_hyperparameters_and_metrics(client: Client) -> None:
    """Python SDK: Add hyperparameters and metrics to an ML Model."""
    mlmodel = client.entities.get(MODEL_URN, MLModel)
    mlmodel.set_hyper_params(
        {
            "learning_rate": "0.1",
            "max_depth": "6",
            "n_estimators": "100",
            "subsample": "0.8",
            "colsample_bytree": "0.8",
        }
    )
    mlmodel.set_training_metrics(
        {
            "accuracy": "0.87",
            "precision": "0.84",
            "recall": "0.82",
            "f1_score": "0.83",
            "auc_roc": "0.91",
        }
    )
    mlmodel.add_owner(CorpUserUrn("data_science_team"))
    mlmodel.add_tag(TagUrn("production"))
    mlmodel.add_tag(TagUrn("classification"))
    mlmodel.set_domain(DomainUrn("urn:li:domain:customer-analytics"))
    client.entities.update(mlmodel)


def update_model_card(client: Client) -> None:
    """Python SDK: Update model-specific aspects."""
    mlmodel = client.entities.get(MODEL_URN, MLModel)
    mlmodel.set_intended_use(
        primary_uses=[
            "Predict customer churn to enable proactive retention campaigns",
            "Identify high-risk customers for targeted interventions",
        ],
        primary_users=[IntendedUserType.ENTERPRISE],
        out_of_scope_uses=[
            "Not suitable for real-time predictions (batch inference only)",
            "Not trained on international markets outside North America",
        ],
    )
    mlmodel.set_training_data(
        [
            BaseData(
                dataset=DatasetUrn(platform="snowflake", name="prod.analytics.customer_features"),
                motivation="Historical customer data with confirmed churn labels",
                pre_processing=[
                    "Removed customers with less than 30 days of history",
                    "Standardized numerical features using StandardScaler",
                    "One-hot encoded categorical variables",
                ],
            )
        ]
    )
    mlmodel.set_source_code(
        model="https://github.com/example/ml-models/tree/main/churn-predictor",
    )
    mlmodel.set_ethical_considerations(
        data=["Model uses demographic data (age, location) which may be sensitive"],
        risks_and_harms=[
            "Predictions may disproportionately affect certain customer segments",
            "False positives could lead to unnecessary retention spending",
        ],
        mitigations=[
            "Regular bias audits conducted quarterly",
            "Human review required for high-value customer interventions",
        ],
    )
    client.entities.update(mlmodel)
    print(f"Updated aspects for model: {MODEL_URN}")


def show_model(client: Client) -> None:
    """Querying ML Model information (the guide does it over REST; the SDK reads typed)."""
    model = client.entities.get(MODEL_URN, MLModel)
    print(f"Entity URN: {model.urn}")
    print(f"  Name: {model.name}")
    print(f"  Description: {model.description}")
    print("  Hyperparameters:", model.hyper_params)
    print("  Training Metrics:", model.training_metrics)
    print("  Tags:", model.tags)
    print("  Owners:", model.owners)
    if model.intended_use:
        print("  Primary Uses:", model.intended_use.primaryUses)
        print("  Out of Scope Uses:", model.intended_use.outOfScopeUses)


def main(client: Client) -> str:
    create_model(client)
    add_hyperparameters_and_metrics(client)
    update_model_card(client)
    show_model(client)
    return MODEL_URN


if __name__ == "__main__":
    with Client.from_env() as env_client:
        main(env_client)
