"""The unmodified mlflow client's side of an approval: `register NAME` logs a run,
registers it as a new version and tries to move that version to Production at once;
`promote NAME VERSION` and `archive NAME VERSION` transition it. Prints, as one JSON
line, what each step answered: "ok" (with a value) or the error code and message."""

import json
import sys

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

step, name = sys.argv[1], sys.argv[2]
outcome: dict = {}
client = MlflowClient()


def attempt(label, do):
    try:
        outcome[label] = {"ok": do()}
    except MlflowException as exc:
        outcome[label] = {"error_code": exc.error_code, "message": exc.message}


def register():
    mlflow.set_experiment(f"{name}-training")
    with mlflow.start_run() as run:
        mlflow.log_metric("val_auc", 0.93)
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    return {"version": version.version, "run_id": run.info.run_id}


def move(version, stage):
    return client.transition_model_version_stage(name, version, stage).current_stage


if step == "register":
    attempt("register", register)
    registered = outcome["register"].get("ok")
    if registered:
        attempt("to_production", lambda: move(registered["version"], "Production"))
        attempt(
            "alias_champion",
            lambda: client.set_registered_model_alias(name, "champion", registered["version"]),
        )
elif step == "promote":
    attempt("to_production", lambda: move(sys.argv[3], "Production"))
elif step == "archive":
    attempt("to_archived", lambda: move(sys.argv[3], "Archived"))
print(json.dumps(outcome))
