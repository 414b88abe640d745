"""Seed 000 — DataHub's ML Model entity guide: the `customer-churn-predictor` model
(MLflow, XGBoost) in the `customer-churn-models` group, its hyper-parameters and
training metrics, owner, tags and domain, and its full model card: intended use,
training and evaluation data, source code, ethical considerations, caveats, factor
prompts, quantitative analyses, metrics and cost. Also the Snowflake
`prod.analytics.customer_features` table it was trained on."""

from __future__ import annotations

from mlgraph.demo.writer import DemoWriter
from mlgraph.sdk import (
    BaseData,
    Column,
    CorpUserUrn,
    Dataset,
    DatasetUrn,
    DomainUrn,
    GlossaryTermUrn,
    IntendedUserType,
    MLModel,
    MLModelGroup,
    MlModelGroupUrn,
    MlModelUrn,
    TagUrn,
)

MODEL_URN = MlModelUrn(platform="mlflow", name="customer-churn-predictor")
GROUP_URN = MlModelGroupUrn(platform="mlflow", name="customer-churn-models")
FEATURES_URN = DatasetUrn(platform="snowflake", name="prod.analytics.customer_features")
HOLDOUT_URN = DatasetUrn(platform="snowflake", name="prod.analytics.customer_features_holdout")

FEATURE_COLUMNS = [
    Column("customer_id", "varchar", "Customer key"),
    Column("tenure_days", "integer", "Days since the customer signed up"),
    Column("recency", "integer", "Days since last purchase"),
    Column("frequency", "integer", "Number of orders in the last 30 days"),
    Column("monetary", "float", "Total spend in the last 30 days"),
    Column("support_tickets_90d", "integer", "Support tickets opened in the last 90 days"),
    Column("age_band", "varchar", "Customer age band (sensitive)"),
    Column("region", "varchar", "Customer region (sensitive)"),
    Column("churned", "boolean", "Label: churned within 60 days"),
]


def _features_table(name: str, description: str, refresh: str, rows: str) -> Dataset:
    return Dataset(
        platform="snowflake",
        name=f"prod.analytics.{name}",
        display_name=name,
        qualified_name=f"PROD.ANALYTICS.{name.upper()}",
        description=description,
        schema=FEATURE_COLUMNS,
        custom_properties={"refresh": refresh, "rows": rows},
        owners=[CorpUserUrn("data_science_team")],
        tags=["ml_data", "pii"],
        domain="customer-analytics",
    )


def datasets() -> list[Dataset]:
    return [
        _features_table(
            "customer_features",
            "One row per customer with engagement features and the churn label",
            "daily",
            "1250000",
        ),
        _features_table(
            "customer_features_holdout",
            "A 10% customer holdout of customer_features, never used in training",
            "monthly",
            "125000",
        ),
    ]


def model_group() -> MLModelGroup:
    return MLModelGroup(
        id="customer-churn-models",
        platform="mlflow",
        name="Customer Churn Models",
        description="Every version of the customer churn predictor",
        owners=[CorpUserUrn("data_science_team")],
        domain="customer-analytics",
    )


def load(writer: DemoWriter) -> None:
    writer.upsert(*datasets(), model_group())

    # "Create an ML Model"
    writer.create(
        MLModel(
            id="customer-churn-predictor",
            name="Customer Churn Prediction Model",
            platform="mlflow",
            description="A gradient boosting model that predicts customer churn based on "
            "usage patterns and engagement metrics",
            custom_properties={
                "framework": "xgboost",
                "framework_version": "1.7.0",
                "model_format": "pickle",
            },
            model_group=GROUP_URN,
        )
    )

    # "Add hyperparameters and metrics to an ML Model"
    with writer.edit(MODEL_URN, MLModel) as mlmodel:
        mlmodel.set_model_type("Gradient Boosted Trees")
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
        mlmodel.add_term(GlossaryTermUrn("customer-churn"))
        mlmodel.set_domain(DomainUrn("urn:li:domain:customer-analytics"))

    # "Update model-specific aspects": the model card.
    with writer.edit(MODEL_URN, MLModel) as mlmodel:
        _model_card(mlmodel)


def _model_card(mlmodel: MLModel) -> None:
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
                dataset=FEATURES_URN,
                motivation="Historical customer data with confirmed churn labels",
                pre_processing=[
                    "Removed customers with less than 30 days of history",
                    "Standardized numerical features using StandardScaler",
                    "One-hot encoded categorical variables",
                ],
            )
        ]
    )
    mlmodel.set_evaluation_data(
        [
            BaseData(
                dataset=HOLDOUT_URN,
                motivation="Customers held out of training, sampled across regions and tiers",
                pre_processing=["Same transformations as training, fitted on training data"],
            )
        ]
    )
    mlmodel.set_source_code(
        model="https://github.com/example/ml-models/tree/main/churn-predictor",
        training_pipeline="https://github.com/example/ml-models/tree/main/churn-predictor/train",
        evaluation_pipeline="https://github.com/example/ml-models/tree/main/churn-predictor/eval",
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
        use_cases=["Retention offers; never pricing or credit decisions"],
    )
    mlmodel.set_caveats_and_recommendations(
        needs_further_testing=True,
        caveat_description="Accuracy drops for customers with under 90 days of history",
        groups_not_represented=["Customers outside North America", "Enterprise accounts"],
        recommendations="Retrain monthly; monitor precision per region",
        ideal_dataset_characteristics=[
            "At least 12 months of history per customer",
            "Churn labels confirmed 60 days after the prediction date",
        ],
    )
    mlmodel.set_factor_prompts(
        relevant_factors=[
            {"groups": ["age band", "region"], "environment": ["batch scoring, nightly"]}
        ],
        evaluation_factors=[
            {"groups": ["subscription tier", "tenure bucket"], "instrumentation": ["holdout"]}
        ],
    )
    mlmodel.set_quantitative_analyses(
        unitary_results="AUC by subscription tier: basic 0.89, plus 0.91, premium 0.93",
        intersectional_results="AUC by region x age band stays within 0.03 of the overall AUC",
    )
    mlmodel.set_metrics(
        performance_measures=["AUC-ROC", "precision", "recall", "F1"],
        decision_threshold=["0.5 for retention offers", "0.8 for human review"],
    )
    mlmodel.set_cost(cost_code="ml-churn-retention")
