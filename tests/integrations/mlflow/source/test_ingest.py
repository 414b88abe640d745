"""The MLflow pull connector against a real `mlflow server`: the catalog it builds
(experiments, runs, history, datasets, registry, lineage), idempotence, incremental
pulls, the CLI, and a server that is not there."""

from __future__ import annotations

import sys
import uuid
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from mlgraph.cli.main import cli
from mlgraph.integrations.mlflow import urns
from mlgraph.integrations.mlflow.rest import MlflowError, MlflowRest, MlflowUnreachable
from mlgraph.integrations.mlflow.source import ingest
from mlgraph.integrations.source import IngestSummary
from mlgraph.sdk import Client
from tests.helpers import path
from tests.integrations.mlflow.source.conftest import MlflowServer
from tests.live import free_port

MODEL = "fraud_detector"
EXPERIMENT = "orders_fraud_detection"
# seed 004's dataset_version "orders_v2.1+users_v3.0" names two datasets
TAGGED = "urn:li:dataset:(urn:li:dataPlatform:mlflow,orders_v2.1,PROD)"
USERS = "urn:li:dataset:(urn:li:dataPlatform:mlflow,users_v3.0,PROD)"
S3 = "urn:li:dataset:(urn:li:dataPlatform:s3,lake/orders/v2.1,PROD)"
LOCAL = "urn:li:dataset:(urn:li:dataPlatform:mlflow,orders_v2.0,PROD)"


def runs_by_name(server: MlflowServer) -> dict[str, dict[str, Any]]:
    rest = MlflowRest(server.url)
    try:
        exp = next(e for e in rest.experiments() if e["name"] == EXPERIMENT)
        return {
            r["info"]["run_name"]: r for page in rest.run_pages(exp["experiment_id"]) for r in page
        }
    finally:
        rest.close()


def aspect(sdk: Client, urn: str, name: str) -> dict[str, Any]:
    value = sdk.aspects.get(urn, name).value
    assert value is not None
    return value


def history(client: TestClient, run: str, key: str) -> list[dict[str, Any]]:
    response = client.get(path(run, "metrics", key, "history"))
    assert response.status_code == 200, response.text
    points: list[dict[str, Any]] = response.json()["points"]
    return points


def test_ingest_reproduces_experiments_runs_datasets_and_registry(
    mlflow_server: MlflowServer, sdk: Client, client: TestClient
) -> None:
    seen: list[tuple[str, int, int]] = []
    summary = ingest(mlflow_server.url, sdk, progress=lambda *a: seen.append(a))
    assert summary.total("updated") == summary.total("unchanged") == 0
    assert summary.created["mlModel"] == 3  # two versions and the MLflow 3 logged model
    assert summary.created["mlModelGroup"] == 1
    assert summary.counts["logged models read"] >= 1  # MLflow 3 answers logged-models/search
    assert {s for s, _, _ in seen} == {"registry", "experiments", "runs"}

    # The experiment: a container with its description, tags and artifact location.
    exp = urns.experiment_urn(EXPERIMENT)
    props = aspect(sdk, exp, "containerProperties")
    assert props["name"] == EXPERIMENT
    assert props["description"] == "Fraud models over the orders stream"
    assert props["customProperties"]["artifacts_location"].endswith("artifacts/1")
    assert aspect(sdk, exp, "subTypes") == {"typeNames": ["ML Experiment"]}
    assert aspect(sdk, exp, "dataPlatformInstance") == {"platform": "urn:li:dataPlatform:mlflow"}

    # The run exp-47b: params, latest metrics, tags, status, experiment, history.
    mlrun = runs_by_name(mlflow_server)["exp-47b"]
    run_id = mlrun["info"]["run_id"]
    run = urns.run_urn(run_id)
    dpi = aspect(sdk, run, "dataProcessInstanceProperties")
    assert dpi["name"] == "exp-47b"
    assert dpi["created"] == {
        "time": mlrun["info"]["start_time"],
        "actor": f"urn:li:corpuser:{mlrun['info']['user_id']}",
    }
    assert dpi["customProperties"]["git_commit"] == "b7d9e4"
    assert dpi["customProperties"]["triggered_by"] == "ci/github-actions"
    assert dpi["externalUrl"] == f"{mlflow_server.url}/#/experiments/1/runs/{run_id}"
    training = aspect(sdk, run, "mlTrainingRunProperties")
    assert training["id"] == run_id
    assert {p["name"]: p["value"] for p in training["hyperParams"]} == {
        "dataset_version": "orders_v2.1+users_v3.0",
        "epochs": "15",
        "learning_rate": "0.0003",
    }
    assert {m["name"]: m["value"] for m in training["trainingMetrics"]} == {
        "val_accuracy": "0.87",
        "val_auc": "0.93",
        "train_loss": "0.31",
    }
    assert training["outputUrls"] == [mlrun["info"]["artifact_uri"]]
    event = aspect(sdk, run, "dataProcessInstanceRunEvent")
    assert event["status"] == "COMPLETE"
    assert event["result"] == {"type": "SUCCESS", "nativeResultType": "FINISHED"}
    assert aspect(sdk, run, "container") == {"container": exp}
    assert aspect(sdk, run, "subTypes") == {"typeNames": ["ML Training Run"]}
    assert aspect(sdk, run, "status") == {"removed": False}
    assert [(p["step"], p["value"]) for p in history(client, run, "val_accuracy")] == [
        (0, 0.75),
        (1, 0.83),
        (2, 0.87),
    ]
    # NaN and infinity reach the catalog as MLflow answers them.
    assert [(p["step"], p["value"]) for p in history(client, run, "train_loss")] == [
        (0, "NaN"),
        (1, sys.float_info.max),
        (2, 0.31),
    ]

    # Numeric metrics stay searchable as numbers.
    found = client.get("/api/v1/search", params={"filter": "metrics.val_accuracy > 0.86"})
    assert run in {hit["urn"] for hit in found.json()["results"]}

    # Datasets: the S3 source on platform s3, a local file, and the two datasets the
    # dataset_version param and tag name, on mlflow.
    inputs = aspect(sdk, run, "dataProcessInstanceInput")
    assert inputs["inputs"] == sorted([S3, TAGGED, USERS])
    edges = {e["destinationUrn"]: e["properties"] for e in inputs["inputEdges"]}
    assert edges[S3]["context"] == "training"
    assert edges[S3]["uri"] == "s3://lake/orders/v2.1"
    assert (
        edges[TAGGED]
        == edges[USERS]
        == {
            "source": "param:dataset_version",
            "dataset_version": "orders_v2.1+users_v3.0",
        }
    )
    # Only their existence: their properties are for whoever describes them.
    assert aspect(sdk, TAGGED, "dataPlatformInstance") == {"platform": "urn:li:dataPlatform:mlflow"}
    assert client.get(path(TAGGED, "aspects", "datasetProperties")).status_code == 404
    assert aspect(sdk, S3, "dataPlatformInstance") == {"platform": "urn:li:dataPlatform:s3"}
    local = aspect(sdk, LOCAL, "datasetProperties")
    assert local["customProperties"]["source_type"] == "local"
    fields = aspect(sdk, LOCAL, "schemaMetadata")["fields"]
    assert [(f["fieldPath"], f["nativeDataType"]) for f in fields] == [
        ("amount", "double"),
        ("is_fraud", "long"),
    ]

    # The registry: group, versions with stages, aliases, run links and copied params.
    group = urns.model_group_urn(MODEL)
    gprops = aspect(sdk, group, "mlModelGroupProperties")
    assert gprops["description"] == "Flags fraudulent orders"
    assert gprops["customProperties"] == {"team": "payments"}
    assert gprops["version"] == {"versionTag": "2"}
    v1, v2 = urns.model_version_urn(MODEL, 1), urns.model_version_urn(MODEL, 2)
    p2 = aspect(sdk, v2, "mlModelProperties")
    assert p2["groups"] == [group]
    assert p2["trainingJobs"] == [run]
    assert p2["description"] == "GBM on orders_v2.1, AUC 0.93"
    assert p2["customProperties"] == {"validated": "true"}
    assert p2["type"] == "gbm"  # from its MLflow 3 logged model
    assert {m["name"]: m["value"] for m in p2["trainingMetrics"]}["val_auc"] == "0.93"
    assert {p["name"] for p in p2["hyperParams"]} == {"dataset_version", "epochs", "learning_rate"}
    vp2 = aspect(sdk, v2, "versionProperties")
    assert vp2["versionSet"] == urns.version_set_urn(MODEL)
    assert vp2["sortId"] == "0000000002"
    assert vp2["aliases"] == [{"versionTag": "champion"}]
    assert aspect(sdk, v1, "versionProperties")["aliases"] == []
    assert aspect(sdk, v2, "globalTags") == {"tags": [{"tag": "urn:li:tag:mlflow_production"}]}
    assert aspect(sdk, v1, "globalTags") == {"tags": [{"tag": "urn:li:tag:mlflow_archived"}]}
    assert aspect(sdk, v2, "ownership")["owners"][0]["owner"] == dpi["created"]["actor"]
    assert aspect(sdk, urns.version_set_urn(MODEL), "versionSetProperties")["latest"] == v2
    outputs = aspect(sdk, run, "dataProcessInstanceOutput")["outputs"]
    assert v2 in outputs  # with the run's logged model, if MLflow names it as an output

    # Lineage: dataset -> run -> model version, over the lineage API.
    up = sdk.lineage(v2, "upstream", depth=0)
    assert {run, S3, TAGGED} <= {n.urn for n in up.nodes}
    assert (run, v2) in {(e.upstream, e.downstream) for e in up.edges}
    down = sdk.lineage(TAGGED, "downstream", depth=0)
    assert {run, v2, group} & {n.urn for n in down.nodes} >= {run, v2}


def test_a_second_ingest_changes_nothing(mlflow_server: MlflowServer, sdk: Client) -> None:
    first = ingest(mlflow_server.url, sdk)
    again = ingest(mlflow_server.url, sdk)
    assert again.changed_writes == 0
    assert again.counts["metric points sent"] == 0
    assert again.total("created") == again.total("updated") == 0
    assert again.unchanged == first.created


def test_cli_ingests_with_a_summary(mlflow_server: MlflowServer, sdk: Client) -> None:
    result = CliRunner().invoke(
        cli, ["ingest", "mlflow", "--tracking-uri", mlflow_server.url], obj=sdk
    )
    assert result.exit_code == 0, result.output
    assert "ingested mlflow" in result.output
    assert "mlModel " in result.output
    assert "0 updated, 0 unchanged" in result.output
    again = CliRunner().invoke(
        cli, ["ingest", "mlflow", "--tracking-uri", mlflow_server.url], obj=sdk
    )
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated" in again.output
    assert sdk.entities.exists(urns.model_group_urn(MODEL))


def test_an_unreachable_mlflow_is_a_clear_error(sdk: Client) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(MlflowUnreachable, match=f"cannot reach the MLflow server at {url}"):
        ingest(url, sdk)
    result = CliRunner().invoke(cli, ["ingest", "mlflow", "--tracking-uri", url], obj=sdk)
    assert result.exit_code == 1
    assert f"mlflow_unreachable: cannot reach the MLflow server at {url}" in result.output


def answering(status: int, body: bytes) -> MlflowRest:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    return MlflowRest("http://mlflow.example:5000", transport=transport)


def test_an_mlflow_error_or_a_server_that_is_not_mlflow_is_a_clear_error(sdk: Client) -> None:
    denied = b'{"error_code": "PERMISSION_DENIED", "message": "no access"}'
    with pytest.raises(MlflowError) as caught:
        ingest("http://mlflow.example:5000", sdk, rest=answering(403, denied))
    assert caught.value.message == (
        "the MLflow server at http://mlflow.example:5000 answered HTTP 403 to "
        "GET /api/2.0/mlflow/registered-models/search: PERMISSION_DENIED: no access"
    )
    with pytest.raises(MlflowError, match="is --tracking-uri an MLflow server"):
        ingest("http://mlflow.example:5000", sdk, rest=answering(200, b"<html>hi</html>"))
    assert not list(sdk.entities.list())


def test_new_activity_adds_exactly_what_is_new(
    mlflow_server: MlflowServer, sdk: Client, client: TestClient
) -> None:
    """Runs last in the module: it adds a run and a version to the shared MLflow."""
    ingest(mlflow_server.url, sdk)
    made = mlflow_server.seed("more", uuid.uuid4().hex[:8])
    (run_id,), (version,) = made["runs"], made["versions"]
    summary = ingest(mlflow_server.url, sdk)
    new_run = urns.run_urn(run_id)
    new_version = urns.model_version_urn(MODEL, version)
    assert summary.created["dataProcessInstance"] == 1
    assert summary.created["mlModel"] == 2  # the version and the logged model behind it
    assert sdk.entities.exists(new_run) and sdk.entities.exists(new_version)
    # What else changed is what the new activity touched: the group's latest version,
    # the version set and the new local dataset.
    assert summary.created["dataset"] == 1
    assert summary.updated["mlModelGroup"] == 1
    assert summary.updated["versionSet"] == 1
    assert summary.updated["mlModel"] == 0
    assert summary.updated["dataProcessInstance"] == 0
    assert [p["value"] for p in history(client, new_run, "val_accuracy")] == [0.79, 0.88]
    assert ingest(mlflow_server.url, sdk).changed_writes == 0


def test_summary_counts_created_updated_unchanged() -> None:
    from mlgraph.sdk import WriteResult

    results = [
        WriteResult("upsert", "urn:li:tag:a", "tagProperties", 1, True),
        WriteResult("upsert", "urn:li:tag:a", "status", 1, True),
        WriteResult("upsert", "urn:li:tag:b", "tagProperties", 3, True),
        WriteResult("upsert", "urn:li:tag:c", "tagProperties", 1, False),
    ]
    summary = IngestSummary.from_results(results)
    assert (summary.created["tag"], summary.updated["tag"], summary.unchanged["tag"]) == (1, 1, 1)
    assert (summary.writes, summary.changed_writes) == (4, 3)
