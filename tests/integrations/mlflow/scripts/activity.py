"""One afternoon of MLflow activity, the same whichever server it is pointed at: seed
004's flows (exp-47b with its dataset_version param, the registry with stages and
aliases, the autologged GBM with its dataset_version tag), plus datasets logged with
`log_input`, an MLflow 3 logged model registered by its `models:/m-...` URI, a KILLED,
a FAILED and a deleted run.

Run with the mlflow venv's Python, cwd a scratch directory, MLFLOW_TRACKING_URI set.
Prints, as JSON on the last line, the ids this server minted: runs by name and logged
models by (name, source run name).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import mlflow
import mlflow.sklearn
import pandas as pd
from mlflow.tracking import MlflowClient
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier

warnings.filterwarnings("ignore")
URI = os.environ["MLFLOW_TRACKING_URI"]
mlflow.set_tracking_uri(URI)
client = MlflowClient(URI)
runs: dict[str, str] = {}

# Seed 004, "What gets logged per experiment run": in the Default experiment.
Path("model.pkl").write_bytes(b"not really a pickle")
with mlflow.start_run(run_name="exp-47b") as run:
    mlflow.log_param("dataset_version", "orders_v2.1+users_v3.0")
    mlflow.log_param("learning_rate", 3e-4)
    mlflow.log_param("epochs", 15)
    mlflow.set_tag("git_commit", "e41c07a")
    for step, acc in enumerate([0.71, 0.83, 0.87]):
        mlflow.log_metric("val_accuracy", acc, step=step)
    mlflow.log_metric("val_auc", 0.93)
    mlflow.log_artifact("model.pkl")
    runs["exp-47b"] = run.info.run_id
Path("model").mkdir(exist_ok=True)
Path("model/MLmodel").write_text("artifact_path: model\nflavors: {}\n")
client.log_artifacts(runs["exp-47b"], "model", "model")

# "MLflow Model Registry": register from the run, promote.
clf = mlflow.register_model(f"runs:/{runs['exp-47b']}/model", "clf_orders")
client.transition_model_version_stage("clf_orders", clf.version, "Production")

# "MLflow autolog with custom tags", in its own experiment.
exp_id = mlflow.set_experiment("orders_fraud_detection").experiment_id
client.set_experiment_tag(exp_id, "mlflow.note.content", "Fraud models over the orders stream")
mlflow.sklearn.autolog(log_input_examples=False, log_model_signatures=False, silent=True)
X, y = make_classification(n_samples=80, n_features=4, random_state=0)
with mlflow.start_run(run_name="gbm_fraud_v47") as run:
    mlflow.set_tags(
        {
            "dataset_version": "orders_v2.1+users_v3.0",
            "git_commit": "e41c07a",
            "triggered_by": "ci/github-actions",
        }
    )
    GradientBoostingClassifier(n_estimators=20, learning_rate=3e-2, random_state=0).fit(X, y)
    runs["gbm_fraud_v47"] = run.info.run_id
mlflow.sklearn.autolog(disable=True)

# "Registering a model version and transitioning stages", with aliases.
mv = mlflow.register_model(f"runs:/{runs['gbm_fraud_v47']}/model", "fraud_detector")
client.update_registered_model("fraud_detector", description="Flags fraudulent orders")
client.set_registered_model_tag("fraud_detector", "team", "payments")
client.update_model_version("fraud_detector", mv.version, description="GBM, AUC 0.93")
client.set_model_version_tag("fraud_detector", mv.version, "validated", "true")
client.transition_model_version_stage("fraud_detector", mv.version, "Staging")
client.transition_model_version_stage(
    "fraud_detector", mv.version, "Production", archive_existing_versions=True
)
client.set_registered_model_alias("fraud_detector", "champion", mv.version)

# Datasets logged with log_input: one in S3, one a local file with its schema.
frame = pd.DataFrame({"amount": [10.5, 99.0, 3.25], "is_fraud": [0, 1, 0]})
with mlflow.start_run(run_name="exp-50") as run:
    mlflow.log_param("learning_rate", 1e-3)
    s3 = mlflow.data.from_pandas(frame, name="orders_v2.2", source="s3://lake/orders/v2.2")
    mlflow.log_input(s3, context="training")
    local = mlflow.data.from_pandas(frame, name="users_v3.1", source="/data/users_v3.1.csv")
    mlflow.log_input(local, context="eval")
    mlflow.log_metric("val_auc", 0.91)
    runs["exp-50"] = run.info.run_id

# An MLflow 3 logged model, registered by its models:/ URI; a second alias.
with mlflow.start_run(run_name="exp-51") as run:
    mlflow.log_params({"n_estimators": 400, "learning_rate": 0.03})
    mlflow.log_metric("val_auc", 0.95)
    model = mlflow.create_external_model(name="fraud-gbm", model_type="gbm")
    runs["exp-51"] = run.info.run_id
v2 = mlflow.register_model(f"models:/{model.model_id}", "fraud_detector")
client.set_registered_model_alias("fraud_detector", "challenger", v2.version)

# Runs that did not finish: killed, failed; and one deleted.
for name, status in (("exp-killed", "KILLED"), ("exp-failed", "FAILED")):
    r = client.create_run(exp_id, run_name=name, tags={"dataset_version": "orders_v2.0"})
    client.log_metric(r.info.run_id, "train_loss", 0.9)
    client.set_terminated(r.info.run_id, status)
    runs[name] = r.info.run_id
r = client.create_run(exp_id, run_name="exp-discarded")
client.set_terminated(r.info.run_id, "FINISHED")
client.delete_run(r.info.run_id)
runs["exp-discarded"] = r.info.run_id

names = {run_id: name for name, run_id in runs.items()}
logged = {}
for e in ("0", exp_id):
    for m in mlflow.search_logged_models(experiment_ids=[e], output_format="list"):
        logged[m.model_id] = [m.name, names.get(m.source_run_id, "")]
print(json.dumps({"runs": runs, "logged_models": logged}))
