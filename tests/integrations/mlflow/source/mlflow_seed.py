"""Populate a real MLflow server the way seed 004 does. Run with the mlflow venv's
Python (not mlgraph's): `python mlflow_seed.py TRACKING_URI first` (seed 004's runs and
model), or `... more LABEL` (one more run, trained on dataset orders_LABEL, and version). Prints the ids
it made as JSON on the last line."""

from __future__ import annotations

import json
import sys
import warnings

import mlflow
from mlflow.tracking import MlflowClient

warnings.filterwarnings("ignore")

MODEL = "fraud_detector"
DATASET_VERSION = "orders_v2.1+users_v3.0"


def _dataset(name: str) -> object:
    try:
        import pandas as pd
    except ImportError:  # a dict-backed dataset when pandas is missing
        import numpy as np

        return mlflow.data.from_numpy(np.array([[1.0, 2.0]]), name=name, source="orders.csv")
    frame = pd.DataFrame({"amount": [10.5, 99.0, 3.25], "is_fraud": [0, 1, 0]})
    # exp-47b's data sits in S3; the others were local files.
    source = "s3://lake/orders/v2.1" if name == "orders_v2.1" else f"/data/{name}.csv"
    return mlflow.data.from_pandas(frame, name=name, source=source, targets="is_fraud")


def train(client: MlflowClient, run_name: str, accuracy: list[float], dataset: str) -> str:
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_param("dataset_version", DATASET_VERSION)
        mlflow.log_param("learning_rate", 3e-4)
        mlflow.log_param("epochs", 15)
        mlflow.set_tags(
            {
                "dataset_version": DATASET_VERSION,
                "git_commit": "b7d9e4",
                "triggered_by": "ci/github-actions",
            }
        )
        for step, value in enumerate(accuracy):
            mlflow.log_metric("val_accuracy", value, step=step, timestamp=1_700_000_000_000 + step)
        mlflow.log_metric("val_auc", 0.93, timestamp=1_700_000_000_100)
        # A diverging loss: MLflow keeps NaN, and stores infinity as the largest float.
        for step, loss in enumerate([float("nan"), float("inf"), 0.31]):
            mlflow.log_metric("train_loss", loss, step=step, timestamp=1_700_000_000_000 + step)
        mlflow.log_input(_dataset(dataset), context="training")
        mlflow.log_dict({"weights": [1, 2, 3]}, "model/weights.json")
    return run.info.run_id


def register(client: MlflowClient, run_id: str, logged: bool) -> str:
    """`logged`: the MLflow 3 way (a logged model, registered by its `models:/m-...` URI);
    else the MLflow 2 way (a version made straight from the run's artifact path)."""
    if logged:
        with mlflow.start_run(run_id=run_id):
            model = mlflow.create_external_model(name="model", model_type="gbm")
        mv = mlflow.register_model(f"models:/{model.model_id}", MODEL)
    else:
        if not client.search_registered_models(f"name = '{MODEL}'"):
            client.create_registered_model(MODEL)
        mv = client.create_model_version(MODEL, f"runs:/{run_id}/model", run_id=run_id)
    return str(mv.version)


def first(uri: str) -> dict[str, object]:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    mlflow.set_experiment("orders_fraud_detection")
    client.set_experiment_tag(
        mlflow.get_experiment_by_name("orders_fraud_detection").experiment_id,
        "mlflow.note.content",
        "Fraud models over the orders stream",
    )
    run_a = train(client, "exp-47a", [0.71, 0.80, 0.84], "orders_v2.0")
    run_b = train(client, "exp-47b", [0.75, 0.83, 0.87], "orders_v2.1")
    v1 = register(client, run_a, logged=False)
    v2 = register(client, run_b, logged=True)
    client.update_registered_model(MODEL, description="Flags fraudulent orders")
    client.set_registered_model_tag(MODEL, "team", "payments")
    client.update_model_version(MODEL, v2, description="GBM on orders_v2.1, AUC 0.93")
    client.set_model_version_tag(MODEL, v2, "validated", "true")
    client.transition_model_version_stage(MODEL, v1, "Production")
    client.transition_model_version_stage(MODEL, v2, "Staging")
    client.transition_model_version_stage(MODEL, v2, "Production", archive_existing_versions=True)
    client.set_registered_model_alias(MODEL, "champion", v2)
    return {"runs": [run_a, run_b], "versions": [v1, v2]}


def more(uri: str, label: str) -> dict[str, object]:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    mlflow.set_experiment("orders_fraud_detection")
    run_c = train(client, f"exp-{label}", [0.79, 0.88], f"orders_{label}")
    v3 = register(client, run_c, logged=True)
    return {"runs": [run_c], "versions": [v3]}


if __name__ == "__main__":
    uri, what = sys.argv[1], sys.argv[2]
    made = first(uri) if what == "first" else more(uri, sys.argv[3])
    print(json.dumps(made))
