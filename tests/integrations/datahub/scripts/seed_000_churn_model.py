"""Seed 000 (DataHub's ML Model page) run unchanged with DataHub's own client, but for
the server URL; then everything read back through that client, printed as JSON.

Run with the DataHub venv's python: `python seed_000_churn_model.py <server-url>`.
"""

import json
import sys

import datahub.metadata.schema_classes as models
from datahub.metadata.urns import (
    CorpUserUrn,
    DatasetUrn,
    DomainUrn,
    MlModelGroupUrn,
    MlModelUrn,
    TagUrn,
)
from datahub.sdk import DataHubClient
from datahub.sdk.mlmodel import MLModel

client = DataHubClient(server=sys.argv[1], token=None)
client._graph.test_connection()

# --- Create an ML Model
mlmodel = MLModel(
    id="customer-churn-predictor",
    name="Customer Churn Prediction Model",
    platform="mlflow",
    description="A gradient boosting model that predicts customer churn based on usage patterns and engagement metrics",
    custom_properties={
        "framework": "xgboost",
        "framework_version": "1.7.0",
        "model_format": "pickle",
    },
    model_group=MlModelGroupUrn(platform="mlflow", name="customer-churn-models"),
)
client.entities.upsert(mlmodel)

# --- Add hyperparameters and metrics
mlmodel = client.entities.get(MlModelUrn(platform="mlflow", name="customer-churn-predictor"))
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

# --- Update model-specific aspects
model_urn = MlModelUrn(platform="mlflow", name="customer-churn-predictor")
mlmodel = client.entities.get(model_urn)
intended_use = models.IntendedUseClass(
    primaryUses=[
        "Predict customer churn to enable proactive retention campaigns",
        "Identify high-risk customers for targeted interventions",
    ],
    primaryUsers=[models.IntendedUserTypeClass.ENTERPRISE],
    outOfScopeUses=[
        "Not suitable for real-time predictions (batch inference only)",
        "Not trained on international markets outside North America",
    ],
)
mlmodel._set_aspect(intended_use)
training_data = models.TrainingDataClass(
    trainingData=[
        models.BaseDataClass(
            dataset=str(DatasetUrn(platform="snowflake", name="prod.analytics.customer_features")),
            motivation="Historical customer data with confirmed churn labels",
            preProcessing=[
                "Removed customers with less than 30 days of history",
                "Standardized numerical features using StandardScaler",
                "One-hot encoded categorical variables",
            ],
        )
    ]
)
mlmodel._set_aspect(training_data)
source_code = models.SourceCodeClass(
    sourceCode=[
        models.SourceCodeUrlClass(
            type=models.SourceCodeUrlTypeClass.ML_MODEL_SOURCE_CODE,
            sourceCodeUrl="https://github.com/example/ml-models/tree/main/churn-predictor",
        )
    ]
)
mlmodel._set_aspect(source_code)
ethical_considerations = models.EthicalConsiderationsClass(
    data=["Model uses demographic data (age, location) which may be sensitive"],
    risksAndHarms=[
        "Predictions may disproportionately affect certain customer segments",
        "False positives could lead to unnecessary retention spending",
    ],
    mitigations=[
        "Regular bias audits conducted quarterly",
        "Human review required for high-value customer interventions",
    ],
)
mlmodel._set_aspect(ethical_considerations)
# Cost: a union-typed aspect (costId | costCode).
mlmodel._set_aspect(
    models.CostClass(
        costType=models.CostTypeClass.ORG_COST_TYPE,
        cost=models.CostCostClass(costCode="cc-churn-42", fieldDiscriminator="costCode"),
    )
)
client.entities.update(mlmodel)

# --- Read everything back through the DataHub client
graph = client._graph
model = client.entities.get(model_urn)
exists_missing = graph.exists(str(MlModelUrn(platform="mlflow", name="no-such-model")))
card = {
    cls.ASPECT_NAME: graph.get_aspect(str(model_urn), cls).to_obj()
    for cls in (
        models.IntendedUseClass,
        models.TrainingDataClass,
        models.SourceCodeClass,
        models.EthicalConsiderationsClass,
        models.CostClass,
    )
}
key = graph.get_aspect(str(model_urn), models.MLModelKeyClass)
print(
    json.dumps(
        {
            "urn": str(model.urn),
            "name": model.name,
            "description": model.description,
            "platform": str(model.platform),
            "custom_properties": model.custom_properties,
            "model_group": str(model.model_group),
            "hyper_params": {p.name: p.value for p in model.hyper_params or []},
            "training_metrics": {m.name: m.value for m in model.training_metrics or []},
            "owners": [[o.owner, str(o.type)] for o in model.owners or []],
            "tags": [t.tag for t in model.tags or []],
            "domain": str(model.domain),
            "card": card,
            "key": key.to_obj() if key else None,
            "exists": graph.exists(str(model_urn)),
            "exists_missing": exists_missing,
        }
    )
)
