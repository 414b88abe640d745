"""Seed 004's MLflow code blocks, run in order in one namespace against mlgraph.

Each `# --- seed block` section is the seed's code unchanged (indentation restored)
except `http://mlflow.internal:5000`, replaced by the test server's URI. The `# glue`
sections only provide what the seed leaves to its reader: data (X_train), a model
directory for `runs:/<id>/model`, the `run_id` variable, and the checks the test
reads back from `sys.argv[1]` (a JSON summary).

Run with the mlflow venv's python, cwd = a scratch directory, MLFLOW_TRACKING_URI set.
"""

# ruff: noqa: E402, I001
# fmt: off
import json
import os
import sys
from pathlib import Path

TRACKING_URI = os.environ["MLFLOW_TRACKING_URI"]
summary: dict = {}

# --- glue: the artifact the first block logs -----------------------------------
Path("model.pkl").write_bytes(b"not really a pickle")

# --- glue: the previous passing run, as "Reproducing a past experiment" prints it,
# registered as clf_orders version 1: the model exp-47b's version is compared with.
import mlflow
from mlflow.tracking import MlflowClient

with mlflow.start_run(run_name="exp-41a") as previous:
    mlflow.log_params({"dataset_version": "orders_v2.0+users_v3.0", "learning_rate": 3e-4, "epochs": 15})
    mlflow.set_tag("git_commit", "b7d9e4")
    mlflow.log_metric("val_accuracy", 0.89)
Path("previous").mkdir(exist_ok=True)
Path("previous/MLmodel").write_text("artifact_path: model\nflavors: {}\n")
MlflowClient().log_artifacts(previous.info.run_id, "previous", "model")
summary["exp41a_run_id"] = previous.info.run_id
mlflow.register_model(f"runs:/{previous.info.run_id}/model", "clf_orders")

# --- seed block 1: "What gets logged per experiment run" -------------------------
import subprocess
import mlflow

with mlflow.start_run(run_name="exp-47b") as run:
    # Log inputs
    mlflow.log_param("dataset_version", "orders_v2.1+users_v3.0")
    mlflow.log_param("learning_rate", 3e-4)
    mlflow.log_param("epochs", 15)
    mlflow.set_tag("git_commit", subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True
    ).stdout.strip())
    # ... training loop ...
    # Log outputs
    mlflow.log_metric("val_accuracy", 0.87)
    mlflow.log_metric("val_auc", 0.93)
    mlflow.log_artifact("model.pkl")  # model artifact stored and linked
    print(f"Run ID: {run.info.run_id}")

# --- glue: a model directory under the run, so runs:/<id>/model resolves -------
from mlflow.tracking import MlflowClient

run_id = run.info.run_id
summary["exp47b_run_id"] = run_id
Path("model").mkdir(exist_ok=True)
Path("model/MLmodel").write_text("artifact_path: model\nflavors: {}\n")
Path("model/model.pkl").write_bytes(b"weights")
MlflowClient().log_artifacts(run_id, "model", "model")

# --- seed block 2: "MLflow Model Registry" ---------------------------------------
from mlflow.tracking import MlflowClient

client = MlflowClient()
# Register a model from a run
model_uri = f"runs:/{run_id}/model"
model_version = mlflow.register_model(model_uri, "clf_orders")
# Promote to production after validation
client.transition_model_version_stage(
    name="clf_orders",
    version=model_version.version,
    stage="Production",
)

# --- glue: training data for the autolog block -----------------------------------
from sklearn.datasets import make_classification

X_train, y_train = make_classification(n_samples=80, n_features=4, random_state=0)

# --- seed block 3: "MLflow autolog with custom tags" -----------------------------
import subprocess
import mlflow
import mlflow.sklearn
from sklearn.ensemble import GradientBoostingClassifier

mlflow.set_tracking_uri(TRACKING_URI)
mlflow.set_experiment("orders_fraud_detection")
# Enable framework-level autolog — captures estimator params,
# training metrics, and the model artifact automatically.
mlflow.sklearn.autolog(log_input_examples=True, log_model_signatures=True)
DATASET_VERSION = "orders_v2.1+users_v3.0"
GIT_SHA = subprocess.run(
    ["git", "rev-parse", "--short", "HEAD"],
    capture_output=True, text=True,
).stdout.strip()
with mlflow.start_run(run_name="gbm_fraud_v47") as run:
    # Custom tags that autolog cannot infer
    mlflow.set_tags({
        "dataset_version": DATASET_VERSION,
        "git_commit": GIT_SHA,
        "triggered_by": "ci/github-actions",
        "business_unit": "payments",
        "data_cutoff_date": "2024-03-01",
    })
    model = GradientBoostingClassifier(n_estimators=400, learning_rate=3e-2)
    model.fit(X_train, y_train)  # autolog records val metrics automatically
    print(f"Run ID: {run.info.run_id}")
    print(f"Artifact URI: {run.info.artifact_uri}")

# --- glue: the run the next block registers ---------------------------------------
run_id = run.info.run_id
summary["autolog_run_id"] = run_id

# --- seed block 4: "Registering a model version and transitioning stages" --------
import mlflow
from mlflow.tracking import MlflowClient

client = MlflowClient(tracking_uri=TRACKING_URI)
MODEL_NAME = "fraud_detector"
# Register the model artifact from an existing run
model_uri = f"runs:/{run_id}/model"
mv = mlflow.register_model(model_uri, MODEL_NAME)
print(f"Registered version {mv.version} — state: {mv.current_stage}")
# Add a human-readable description to this version
client.update_model_version(
    name=MODEL_NAME,
    version=mv.version,
    description=(
        f"GBM trained on {DATASET_VERSION}, git={GIT_SHA}. "
        "Validation AUC 0.934. Approved by: rzeng 2024-03-15."
    ),
)
# Transition to Staging for integration testing
client.transition_model_version_stage(
    name=MODEL_NAME, version=mv.version, stage="Staging",
    archive_existing_versions=False,  # keep previous staging version during canary
)
# After integration tests pass, promote to Production
client.transition_model_version_stage(
    name=MODEL_NAME, version=mv.version, stage="Production",
    archive_existing_versions=True,  # archive the old production version
)
# Load directly from registry in serving layer
prod_model = mlflow.sklearn.load_model(f"models:/{MODEL_NAME}/Production")

# --- glue: the search block formats val_auc, which autolog does not log ----------
summary["prediction"] = [int(x) for x in prod_model.predict(X_train[:3])]
MlflowClient().log_metric(run_id, "val_auc", 0.934)

# --- seed block 5: "Querying the tracking server" ---------------------------------
from mlflow.tracking import MlflowClient

client = MlflowClient(tracking_uri=TRACKING_URI)
DATASET_VERSION = "orders_v2.1+users_v3.0"
# Search across all experiments for runs that used this dataset version
runs = client.search_runs(
    experiment_ids=client.search_experiments(view_type="ACTIVE_ONLY"),
    filter_string=f"tags.dataset_version = '{DATASET_VERSION}'",
    order_by=["start_time DESC"],
)
print(f"Found {len(runs)} runs trained on {DATASET_VERSION}:\n")
for r in runs:
    in_registry = client.search_model_versions(f"run_id='{r.info.run_id}'")
    registry_info = (
        f" → registered as {in_registry[0].name} v{in_registry[0].version}"
        f" ({in_registry[0].current_stage})"
        if in_registry else " → not registered"
    )
    print(
        f"Run {r.info.run_id[:8]} "
        f"AUC={r.data.metrics.get('val_auc', 'n/a'):.3f} "
        f"started={r.info.start_time}"
    )
    print(registry_info)

# --- glue -------------------------------------------------------------------------
summary["dataset_runs"] = [r.info.run_id for r in runs]
summary["dataset_run_registry"] = [
    [
        (v.name, v.version, v.current_stage)
        for v in client.search_model_versions(f"run_id='{r.info.run_id}'")
    ]
    for r in runs
]
by_metric = client.search_runs(
    experiment_ids=["0"],
    filter_string="metrics.val_accuracy > 0.86",
    order_by=["metrics.val_accuracy DESC"],
)
summary["metric_runs"] = [r.info.run_id for r in by_metric]


# --- seed block 6: "Automating lineage verification in CI" ------------------------
def assert_run_lineage(run_id: str, required_tags: list[str]) -> None:
    """Raise if any required lineage tag is missing from a completed run."""
    client = MlflowClient()
    run = client.get_run(run_id)
    missing = [t for t in required_tags if t not in run.data.tags]
    if missing:
        raise ValueError(
            f"Run {run_id} is missing required lineage tags: {missing}. "
            "Set these before registering the model."
        )


REQUIRED_TAGS = ["dataset_version", "git_commit", "triggered_by"]
assert_run_lineage(run.info.run_id, REQUIRED_TAGS)
# Only reached if all tags present
mlflow.register_model(f"runs:/{run.info.run_id}/model", MODEL_NAME)

# --- glue: the same check fails for the untagged run, client- and server-side ----
try:
    assert_run_lineage(summary["exp47b_run_id"], REQUIRED_TAGS)
except ValueError as exc:
    summary["client_check"] = str(exc)
client = MlflowClient()
client.set_registered_model_tag("clf_orders", "mlgraph.required_run_tags", ",".join(REQUIRED_TAGS))
try:
    mlflow.register_model(f"runs:/{summary['exp47b_run_id']}/model", "clf_orders")
except mlflow.exceptions.MlflowException as exc:
    summary["server_check"] = [exc.error_code, exc.message]

# --- glue: a second Production version archives the first; aliases move ----------
client.transition_model_version_stage(MODEL_NAME, "2", "Production", archive_existing_versions=True)
client.set_registered_model_alias(MODEL_NAME, "champion", "1")
client.set_registered_model_alias(MODEL_NAME, "champion", "2")
summary["by_alias"] = client.get_model_version_by_alias(MODEL_NAME, "champion").version
summary["stages"] = {
    v.version: v.current_stage for v in client.search_model_versions(f"name='{MODEL_NAME}'")
}
summary["history_lengths"] = len(client.get_metric_history(summary["autolog_run_id"], "val_auc"))
summary["artifacts"] = sorted(f.path for f in client.list_artifacts(summary["exp47b_run_id"]))
Path(sys.argv[1]).write_text(json.dumps(summary))
