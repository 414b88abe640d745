"""Seed 003 — OpenMetadata's "real-world example": Snowflake `transactions` and
`customers` feed a feature pipeline that writes `fraud_features`; the MLflow model
`fraud_detection` (Random Forest, AUC 0.93, precision 0.85, owned by the Data Science
Team) is trained on it, deployed to a SageMaker endpoint that writes `fraud_scores`,
which the Fraud Alerts dashboard reads. Features point at the columns they are
computed from, so impact analysis reaches single columns."""

from __future__ import annotations

from datetime import UTC, datetime

from mlgraph.demo.writer import DemoWriter
from mlgraph.model.aspects.dataset import (
    DashboardInfo,
    FineGrainedLineage,
    Upstream,
    UpstreamLineage,
)
from mlgraph.model.aspects.process import DataFlowInfo, DataJobInfo, DataJobInputOutput
from mlgraph.sdk import (
    BaseData,
    Column,
    CorpUserUrn,
    Dataset,
    DatasetUrn,
    Deployment,
    DeploymentStatus,
    Entity,
    Experiment,
    MLFeature,
    MLFeatureTable,
    MLModel,
    RunResultType,
    TrainingRun,
)

TRAINED = datetime(2024, 6, 18, 9, 0, tzinfo=UTC)
DEPLOYED = datetime(2024, 6, 20, 14, 0, tzinfo=UTC)
OWNER = CorpUserUrn("data_science_team")

FLOW_URN = "urn:li:dataFlow:(airflow,fraud_feature_pipeline,PROD)"
JOB_URN = f"urn:li:dataJob:({FLOW_URN},build_fraud_features)"
DASHBOARD_URN = "urn:li:dashboard:(looker,fraud_alerts)"

TABLES: dict[str, list[Column]] = {
    "transactions": [
        Column("transaction_id", "varchar", "Transaction key"),
        Column("customer_id", "varchar", "Who paid"),
        Column("merchant_id", "varchar", "Who was paid"),
        Column("amount", "decimal", "Amount in the card's currency"),
        Column("currency", "varchar", "ISO 4217 code"),
        Column("transaction_ts", "timestamp", "When the card was charged"),
        Column("is_fraud", "boolean", "Label: confirmed fraud (chargeback)"),
    ],
    "customers": [
        Column("customer_id", "varchar", "Customer key"),
        Column("signup_date", "date", "When the account was opened"),
        Column("country", "varchar", "Country of residence"),
        Column("kyc_level", "varchar", "Identity verification level"),
    ],
    "fraud_features": [
        Column("transaction_id", "varchar", "Transaction key"),
        Column("amount_zscore", "float", "Amount vs the customer's 90-day mean, in std devs"),
        Column("txn_count_24h", "integer", "The customer's transactions in the last 24h"),
        Column("merchant_risk_score", "float", "Share of the merchant's past fraud"),
        Column("account_age_days", "integer", "Days since signup"),
        Column("is_fraud", "boolean", "Label"),
    ],
    "fraud_scores": [
        Column("transaction_id", "varchar", "Transaction key"),
        Column("fraud_score", "float", "Probability of fraud, 0 to 1"),
        Column("model_version", "varchar", "Model version that scored it"),
        Column("scored_at", "timestamp", "When it was scored"),
    ],
}

# feature -> (fraud_features column it is stored in, source columns it is computed from)
FEATURES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "amount_zscore": ("float", [("transactions", "amount"), ("transactions", "customer_id")]),
    "txn_count_24h": (
        "integer",
        [("transactions", "transaction_ts"), ("transactions", "customer_id")],
    ),
    "merchant_risk_score": (
        "float",
        [("transactions", "merchant_id"), ("transactions", "is_fraud")],
    ),
    "account_age_days": ("integer", [("customers", "signup_date")]),
}


def table_urn(table: str) -> str:
    return DatasetUrn(platform="snowflake", name=table)


def column_urn(table: str, column: str) -> str:
    """The `schemaField` URN of one column."""
    return f"urn:li:schemaField:({table_urn(table)},{column})"


def model() -> MLModel:
    return MLModel(
        id="fraud_detection",
        platform="mlflow",
        name="Fraud Detection",
        description="Scores card transactions for fraud in real time",
        model_type="Random Forest",
        version="3",
        hyper_params={"n_estimators": "500", "max_depth": "12", "class_weight": "balanced"},
        training_metrics={"auc": "0.93", "precision": "0.85"},
        owners=[OWNER],
        tags=["fraud", "production", "classification"],
        terms=["fraud-score"],
        domain="risk",
    )


def _table(name: str, description: str, tags: tuple[str, ...] = ()) -> Dataset:
    return Dataset(
        platform="snowflake",
        name=name,
        description=description,
        schema=TABLES[name],
        owners=[OWNER],
        tags=tags,
        domain="risk",
    )


def pipeline() -> list[Entity]:
    flow = Entity(FLOW_URN)
    flow.set_aspect(
        DataFlowInfo(
            name="fraud_feature_pipeline",
            description="Builds fraud features from transactions and customers, hourly",
            project="risk",
        )
    )
    flow.add_owner(OWNER)
    job = Entity(JOB_URN)
    job.set_aspect(
        DataJobInfo(
            name="build_fraud_features",
            description="Joins transactions to customers and computes per-transaction features",
            flowUrn=FLOW_URN,
        )
    )
    sources = sorted({col for _, cols in FEATURES.values() for col in cols})
    job.set_aspect(
        DataJobInputOutput(
            inputDatasets=[table_urn("transactions"), table_urn("customers")],
            outputDatasets=[table_urn("fraud_features")],
            inputDatasetFields=[column_urn(t, c) for t, c in sources],
            outputDatasetFields=[column_urn("fraud_features", f) for f in FEATURES],
        )
    )
    job.add_owner(OWNER)
    return [flow, job]


def datasets() -> list[Dataset]:
    transactions = _table("transactions", "Card transactions, one row per charge", tags=("pii",))
    customers = _table("customers", "Card holders", tags=("pii",))
    features = _table("fraud_features", "Per-transaction fraud features", tags=("ml_data",))
    features.set_aspect(
        UpstreamLineage(
            upstreams=[
                Upstream(dataset=table_urn("transactions")),
                Upstream(dataset=table_urn("customers")),
            ],
            fineGrainedLineages=[
                FineGrainedLineage(
                    upstreams=[column_urn(t, c) for t, c in cols],
                    downstreams=[column_urn("fraud_features", name)],
                )
                for name, (_, cols) in FEATURES.items()
            ],
        )
    )
    return [transactions, customers, features]


def features() -> list[Entity]:
    out: list[Entity] = [
        MLFeature(
            name,
            namespace="fraud_features",
            data_type=dtype,
            description=next(c.description for c in TABLES["fraud_features"] if c.name == name),
            sources=[column_urn(t, c) for t, c in cols],
            owners=[OWNER],
        )
        for name, (dtype, cols) in FEATURES.items()
    ]
    out.append(
        MLFeatureTable(
            platform="feast",
            name="fraud_features",
            description="The fraud features, served online by Feast",
            features=list(out),
            owners=[OWNER],
        )
    )
    return out


def load(writer: DemoWriter) -> None:
    experiment = Experiment(
        "fraud_detection",
        name="Fraud Detection",
        description="Training runs of the fraud detection model",
        owners=[OWNER],
    )
    mlmodel = model()
    run = TrainingRun(
        "fraud_detection_train_2024_06_18",
        name="fraud_detection train 2024-06-18",
        platform="mlflow",
        created_by=str(CorpUserUrn("rzeng")),
        experiment=experiment,
        inputs=[table_urn("fraud_features")],
        outputs=[mlmodel],
        hyper_params=mlmodel.hyper_params,
        training_metrics=mlmodel.training_metrics,
        result=RunResultType.SUCCESS,
        start_timestamp=TRAINED,
        end_timestamp=int(TRAINED.timestamp() * 1000) + 42 * 60 * 1000,
    )
    endpoint = Deployment(
        platform="sagemaker",
        name="fraud-detection-prod",
        description="Real-time fraud scoring endpoint",
        status=DeploymentStatus.IN_SERVICE,
        endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/"
        "fraud-detection-prod/invocations",
        version="3",
        created=DEPLOYED,
        owners=[OWNER],
    )
    scores = _table(
        "fraud_scores", "Fraud scores written by the SageMaker endpoint", tags=("predictions",)
    )
    scores.set_upstreams([endpoint])
    dashboard = Entity(DASHBOARD_URN)
    dashboard.set_aspect(
        DashboardInfo(
            title="Fraud Alerts",
            description="Transactions scored above 0.9, for the fraud operations team",
            datasets=[scores.urn],
            dashboardUrl="https://looker.example.com/dashboards/fraud_alerts",
        )
    )
    dashboard.add_owner(OWNER)

    feats = features()
    mlmodel.add_training_job(run)
    mlmodel.set_training_data(
        [
            BaseData(
                table_urn("fraud_features"),
                motivation="Six months of labelled transactions",
                pre_processing=["Downsampled legitimate transactions 10:1"],
            )
        ]
    )
    for feature in feats:
        if isinstance(feature, MLFeature):
            mlmodel.add_feature(feature)
    mlmodel.add_deployment(endpoint)
    mlmodel.set_details(
        algorithm="Random Forest",
        target="is_fraud",
        storage="s3://ml-models/fraud_detection/3/model.tar.gz",
        server=endpoint.endpoint_url,
        dashboard=DASHBOARD_URN,
    )
    writer.upsert(*datasets(), *pipeline(), *feats, experiment, run, mlmodel, endpoint, scores)
    writer.upsert(dashboard)
