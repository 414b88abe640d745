"""The unmodified mlflow client against an mlgraph with authentication on. It
authenticates the way its users configure it (MLFLOW_TRACKING_TOKEN, or
MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, set by the test) and prints, as
one JSON line, what each step answered: "ok" or the error code and message."""

import json
import sys

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

experiment = sys.argv[1]
outcome: dict = {}


def attempt(name, step):
    try:
        outcome[name] = {"ok": step()}
    except MlflowException as exc:
        outcome[name] = {"error_code": exc.error_code, "message": exc.message}


client = MlflowClient()
attempt("search", lambda: len(client.search_experiments()))
attempt("create_experiment", lambda: client.create_experiment(experiment))


def log_a_run():
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("auc", 0.9)
        mlflow.set_tag("dataset_version", "orders_v2.1")
    return run.info.run_id


attempt("log_run", log_a_run)
attempt("find_experiment", lambda: bool(client.get_experiment_by_name(experiment)))
print(json.dumps(outcome))
