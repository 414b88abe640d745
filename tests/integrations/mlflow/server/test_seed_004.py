"""Seed 004's MLflow code, unmodified, through the real mlflow 3.17 client against a
live mlgraph; then the same facts read back through mlgraph's own REST API."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mlgraph.integrations.mlflow.urns import (
    dataset_urn,
    experiment_urn,
    model_group_urn,
    model_version_urn,
    run_urn,
    stage_tag_urn,
)
from tests.integrations.mlflow.conftest import MLFLOW_PYTHON

SCRIPT = Path(__file__).parent / "scripts" / "seed_004.py"
pytestmark = pytest.mark.skipif(
    not (MLFLOW_PYTHON.parent.parent / ".installed").exists(), reason="make peers: no .venv-mlflow"
)


@pytest.fixture(scope="module")
def seed(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("seed004")
    out = work / "summary.json"
    env = {**os.environ, "MLFLOW_TRACKING_URI": live_server, "GIT_DIR": str(work / "no-git")}
    proc = subprocess.run(
        [str(MLFLOW_PYTHON), str(SCRIPT), str(out)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    summary: dict[str, Any] = json.loads(out.read_text())
    summary["stdout"] = proc.stdout
    return summary


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def entity(api: httpx.Client, urn: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/entities/{quote(urn, safe='')}")
    assert r.status_code == 200, r.text
    return {k: v["value"] for k, v in r.json()["aspects"].items()}


def test_the_seed_blocks_run_and_answer(seed: dict[str, Any]) -> None:
    assert "Found 1 runs trained on orders_v2.1+users_v3.0" in seed["stdout"]
    assert "→ registered as fraud_detector v1 (Production)" in seed["stdout"]
    assert seed["dataset_runs"] == [seed["autolog_run_id"]]
    # by val_accuracy, descending: the previous passing run scored higher
    assert seed["metric_runs"] == [seed["exp41a_run_id"], seed["exp47b_run_id"]]
    assert seed["prediction"] and seed["artifacts"] == ["model", "model.pkl"]
    assert "['dataset_version', 'triggered_by']" in seed["client_check"]


def test_registration_without_lineage_tags_is_refused_naming_them(seed: dict[str, Any]) -> None:
    code, message = seed["server_check"]
    assert code == "INVALID_PARAMETER_VALUE"
    assert "dataset_version" in message and "triggered_by" in message
    assert "git_commit" not in message.split("tags:")[1]


def test_archive_existing_versions_and_aliases(seed: dict[str, Any]) -> None:
    assert seed["stages"] == {"1": "Archived", "2": "Production"}
    assert seed["by_alias"] == "2"


def test_runs_and_experiment_are_in_the_catalog(seed: dict[str, Any], api: httpx.Client) -> None:
    run = entity(api, run_urn(seed["autolog_run_id"]))
    assert run["dataProcessInstanceProperties"]["name"] == "gbm_fraud_v47"
    assert (
        run["dataProcessInstanceProperties"]["customProperties"]["triggered_by"]
        == "ci/github-actions"
    )
    assert run["subTypes"]["typeNames"] == ["ML Training Run"]
    assert run["container"]["container"] == experiment_urn("orders_fraud_detection")
    assert run["dataProcessInstanceRunEvent"]["result"]["type"] == "SUCCESS"
    params = {p["name"]: p["value"] for p in run["mlTrainingRunProperties"]["hyperParams"]}
    assert params["n_estimators"] == "400"
    metrics = {m["name"]: m["value"] for m in run["mlTrainingRunProperties"]["trainingMetrics"]}
    assert metrics["val_auc"] == "0.934"
    exp = entity(api, experiment_urn("orders_fraud_detection"))
    assert exp["subTypes"]["typeNames"] == ["ML Experiment"]
    assert exp["containerProperties"]["name"] == "orders_fraud_detection"
    first = entity(api, run_urn(seed["exp47b_run_id"]))
    assert first["container"]["container"] == experiment_urn("Default")
    r = api.get(
        "/api/v1/search", params={"filter": "tags.dataset_version = 'orders_v2.1+users_v3.0'"}
    )
    assert run_urn(seed["autolog_run_id"]) in [x["urn"] for x in r.json()["results"]]


def test_registry_entities_stage_tags_and_approval(seed: dict[str, Any], api: httpx.Client) -> None:
    group = entity(api, model_group_urn("fraud_detector"))
    assert group["mlModelGroupProperties"]["name"] == "fraud_detector"
    v1 = entity(api, model_version_urn("fraud_detector", 1))
    v2 = entity(api, model_version_urn("fraud_detector", 2))
    assert v1["mlModelProperties"]["groups"] == [model_group_urn("fraud_detector")]
    assert v1["mlModelProperties"]["trainingJobs"] == [run_urn(seed["autolog_run_id"])]
    assert "Validation AUC 0.934" in v1["mlModelProperties"]["description"]
    assert v1["versionProperties"]["sortId"] == "0000000001"
    assert v1["globalTags"]["tags"] == [{"tag": stage_tag_urn("archived")}]
    assert v2["globalTags"]["tags"] == [{"tag": stage_tag_urn("production")}]
    assert v2["versionProperties"]["aliases"] == [{"versionTag": "champion"}]
    # A stage is not an approval: with authentication off nobody approved v2, so the
    # answer says so (the approval flow with identities is tests/security's).
    answers = [
        api.get(f"/api/v1/approval/{model_version_urn('fraud_detector', v)}").json() for v in (1, 2)
    ]
    assert [a["approved"] for a in answers] == [False, False]
    assert answers[0]["reasons"] == ["Archived: it may no longer be deployed"]
    assert answers[1]["reasons"] == ["in alias champion, Production without an approval on record"]
    clf = entity(api, model_version_urn("clf_orders", 2))  # version 1 is exp-41a's
    assert clf["globalTags"]["tags"] == [{"tag": stage_tag_urn("production")}]


def test_lineage_dataset_run_model_version(seed: dict[str, Any], api: httpx.Client) -> None:
    version = model_version_urn("fraud_detector", 1)
    r = api.get(f"/api/v1/lineage/{quote(version, safe='')}", params={"depth": 3})
    assert r.status_code == 200, r.text
    nodes = {n["urn"]: n for n in r.json()["nodes"]}
    assert run_urn(seed["autolog_run_id"]) in nodes
    datasets = [u for u in nodes if u.startswith("urn:li:dataset:")]
    assert datasets, "the autolog run's training dataset is upstream of the version"
    run = entity(api, run_urn(seed["autolog_run_id"]))
    assert version in run["dataProcessInstanceOutput"]["outputs"]


def test_registry_history_lists_transitions_with_actor_and_time(
    seed: dict[str, Any], api: httpx.Client
) -> None:
    group = model_group_urn("fraud_detector")
    r = api.get(f"/api/v1/models/{quote(group, safe='')}/registry-history")
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    stages = [(e["version"], e["from"], e["to"]) for e in events if e["kind"] == "stage"]
    # Within one transition the archived version and the promoted one share a time.
    assert sorted(stages, key=str) == sorted(
        [
            ("1", None, "None"),
            ("1", "None", "Staging"),
            ("1", "Staging", "Production"),
            ("2", None, "None"),
            ("1", "Production", "Archived"),
            ("2", "None", "Production"),
        ],
        key=str,
    )
    assert stages[:3] == [
        ("1", None, "None"),
        ("1", "None", "Staging"),
        ("1", "Staging", "Production"),
    ]
    aliases = [(e["alias"], e["from"], e["to"]) for e in events if e["kind"] == "alias"]
    assert aliases == [("champion", None, "1"), ("champion", "1", "2")]
    assert all(e["actor"] == "urn:li:corpuser:anonymous" and e["time"] > 0 for e in events)


def test_which_models_used_orders_v2_1_and_what_changed(
    seed: dict[str, Any], api: httpx.Client
) -> None:
    """Seed 004's second and third questions, after exp-47b logged its dataset_version
    as a param through the mlflow client: the datasets it names are in the lineage."""
    orders = dataset_urn("orders_v2.1")
    found = api.get("/api/v1/search", params={"q": "orders_v2.1", "type": "dataset"}).json()
    assert orders in [r["urn"] for r in found["results"]]
    r = api.get(f"/api/v1/impact/{quote(orders, safe='')}")
    assert r.status_code == 200, r.text
    models = {n["urn"] for n in r.json()["by_type"]["mlModel"]}
    exp47b, exp41a = model_version_urn("clf_orders", 2), model_version_urn("clf_orders", 1)
    assert exp47b in models and exp41a not in models
    # The autologged GBM carries the same convention as a tag: it used orders_v2.1 too.
    assert model_version_urn("fraud_detector", 1) in models

    diff = api.get("/api/v1/compare", params={"a": exp41a, "b": exp47b}).json()
    assert diff["datasets"]["changed_versions"] == [
        {
            "a": dataset_urn("orders_v2.0"),
            "b": orders,
            "from": "orders_v2.0",
            "to": "orders_v2.1",
        }
    ]
    assert diff["datasets"]["common"] == [dataset_urn("users_v3.0")]
    assert "dataset orders_v2.0 -> orders_v2.1" in diff["summary"]
    assert "git commit: b7d9e4 -> " in " ".join(diff["summary"])
