"""The two MLflow paths build the same catalog. The real mlflow client runs the same
afternoon of activity (`scripts/activity.py`: seed 004's flows, a KILLED and a FAILED
run, `log_input` datasets, a `dataset_version` param and tag, an MLflow 3 logged model,
stages and aliases) against mlgraph's MLflow API, and against a real `mlflow server`
that a second, empty mlgraph then pulls with the MLflow source. Both catalogs are read
back over REST and compared: entities, aspects, relationships and metric histories.

Each server mints its own run and logged-model ids and stamps its own times; those are
named after the run or model before comparing. The differences left are the ones named
below, each with its reason; anything else fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mlgraph.integrations.mlflow.server.catalog import RAW
from mlgraph.integrations.mlflow.source import ingest
from mlgraph.integrations.mlflow.urns import STAGE_TAG_PREFIX, run_urn
from mlgraph.sdk import Client
from tests.integrations.mlflow.conftest import MLFLOW_BIN, MLFLOW_PYTHON
from tests.live import mlflow_server, mlgraph_server

ACTIVITY = Path(__file__).parent / "scripts" / "activity.py"
TIMES = {"time", "timestampMillis", "createdAt", "durationMillis"}

# -- the differences, and why ---------------------------------------------------------

# The MLflow API's own state lives in raw aspects: what it answers the mlflow client
# with, and the registry's audit trail. A pull has no mlflow client to answer.
LIVE_ONLY_ASPECTS = RAW
# A pulled entity links back to the MLflow UI it came from; mlgraph's MLflow API has no
# MLflow UI to link to.
PULLED_ONLY_FIELDS = {"externalUrl"}


def stage_tags_passed_through(urn: str) -> bool:
    """The live catalog makes a stage's tag when a version enters the stage, so it has
    one for Staging, passed through on the way to Production; a pull makes tags for the
    stages versions are in now."""
    return urn.startswith(STAGE_TAG_PREFIX)


# -- reading a catalog back -------------------------------------------------------------


@dataclass
class Catalog:
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)  # urn -> row
    aspects: dict[str, dict[str, Any]] = field(default_factory=dict)  # urn -> {name: value}
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    history: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


def activity(url: str, work: Path) -> dict[str, Any]:
    work.mkdir()
    done = subprocess.run(
        [str(MLFLOW_PYTHON), str(ACTIVITY)],
        cwd=work,
        env={**os.environ, "MLFLOW_TRACKING_URI": url, "GIT_PYTHON_REFRESH": "quiet"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    ids: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return ids


def _names(ids: dict[str, Any]) -> list[tuple[str, str]]:
    """What each server minted -> a name that is the same on both, URNs first."""
    out = [(run_urn(run_id), f"<run {name}>") for name, run_id in ids["runs"].items()]
    out += [(run_urn(r).rsplit(":", 1)[1], f"<run-key {n}>") for n, r in ids["runs"].items()]
    out += [(run_id, f"<run-id {name}>") for name, run_id in ids["runs"].items()]
    out += [(mid, f"<model {n}@{run}>") for mid, (n, run) in ids["logged_models"].items()]
    return out


def _normal(value: Any, names: list[tuple[str, str]], key: str = "") -> Any:
    if isinstance(value, dict):
        return {_normal(k, names): _normal(v, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, names) for v in value]
    if key in TIMES and isinstance(value, int):
        return "<time>"
    if isinstance(value, str):
        for minted, name in names:
            value = value.replace(minted, name)
    return value


def read_back(url: str, ids: dict[str, Any]) -> Catalog:
    names = _names(ids)
    out = Catalog()
    with httpx.Client(base_url=url, timeout=30) as api:
        cursor = None
        while True:
            params = {
                "include_removed": "true",
                "limit": 1000,
                **({"cursor": cursor} if cursor else {}),
            }
            page = api.get("/api/v1/entities", params=params).json()
            for row in page["entities"]:
                urn = row["urn"]
                path = f"/api/v1/entities/{quote(urn, safe='')}"
                body = api.get(path, params={"include_removed": "true"}).json()
                key = _normal(urn, names)
                out.entities[key] = {
                    k: row[k] for k in ("type", "platform", "name", "env", "removed")
                }
                out.entities[key] = _normal(out.entities[key], names)
                out.aspects[key] = _normal(
                    {n: a["value"] for n, a in body["aspects"].items() if a["value"] is not None},
                    names,
                )
                rels = api.get(f"{path}/relationships", params={"direction": "outgoing"}).json()
                out.edges |= {
                    (key, r["type"], _normal(r["urn"], names)) for r in rels["relationships"]
                }
                training = body["aspects"].get("mlTrainingRunProperties", {}).get("value") or {}
                for metric in training.get("trainingMetrics") or []:
                    points = api.get(f"{path}/metrics/{quote(metric['name'])}/history").json()
                    out.history[(key, metric["name"])] = [
                        (p["step"], p["value"]) for p in points["points"]
                    ]
            cursor = page["next_cursor"]
            if not cursor:
                return out


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Catalog, Catalog]]:
    if not (MLFLOW_PYTHON.parent.parent / ".installed").exists():
        pytest.fail("the mlflow peer venv is missing: run `make peers` (make test does)")
    home = tmp_path_factory.mktemp("two-paths")
    for d in ("live", "peer", "pulled"):
        (home / d).mkdir()
    with (
        mlgraph_server(home / "live", required_run_tags="[]") as live,
        mlflow_server(MLFLOW_BIN, home / "peer", proxy=True) as peer,
        mlgraph_server(home / "pulled", required_run_tags="[]") as pulled,
    ):
        live_ids = activity(live.url, home / "work-live")
        peer_ids = activity(peer.url, home / "work-peer")
        with Client(pulled.url) as sdk:
            ingest(peer.url, sdk)
        yield read_back(live.url, live_ids), read_back(pulled.url, peer_ids)


def _without(aspects: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in aspects.items() if k not in fields}


def test_the_same_entities(catalogs: tuple[Catalog, Catalog]) -> None:
    live, pulled = catalogs
    only_live = set(live.entities) - set(pulled.entities)
    assert {u for u in only_live if not stage_tags_passed_through(u)} == set()
    assert set(pulled.entities) - set(live.entities) == set()
    for urn, row in pulled.entities.items():
        assert live.entities[urn] == row, urn


def test_the_same_aspects(catalogs: tuple[Catalog, Catalog]) -> None:
    live, pulled = catalogs
    for urn, pulled_aspects in sorted(pulled.aspects.items()):
        live_aspects = {n: v for n, v in live.aspects[urn].items() if n not in LIVE_ONLY_ASPECTS}
        assert sorted(live_aspects) == sorted(pulled_aspects), urn
        for name, value in pulled_aspects.items():
            assert live_aspects[name] == _without(value, PULLED_ONLY_FIELDS), (urn, name)


def test_the_same_relationships(catalogs: tuple[Catalog, Catalog]) -> None:
    live, pulled = catalogs
    assert live.edges == pulled.edges


def test_the_same_metric_histories(catalogs: tuple[Catalog, Catalog]) -> None:
    live, pulled = catalogs
    assert live.history == pulled.history
    assert live.history[("<run exp-47b>", "val_accuracy")] == [(0, 0.71), (1, 0.83), (2, 0.87)]


def test_what_both_say_of_seed_004(catalogs: tuple[Catalog, Catalog]) -> None:
    """Not only equal: right. The dataset_version datasets are inputs of the runs that
    name them, a killed run is SKIPPED and a failed one a FAILURE, the deleted run is
    soft-deleted, and the logged model is a version of its group."""
    for catalog in catalogs:
        orders = "urn:li:dataset:(urn:li:dataPlatform:mlflow,orders_v2.1,PROD)"
        for run in ("<run exp-47b>", "<run gbm_fraud_v47>"):
            assert (run, "Consumes", orders) in catalog.edges
        events = {
            run: catalog.aspects[f"<run exp-{run}>"]["dataProcessInstanceRunEvent"]["result"]
            for run in ("killed", "failed")
        }
        assert events == {
            "killed": {"type": "SKIPPED", "nativeResultType": "KILLED"},
            "failed": {"type": "FAILURE", "nativeResultType": "FAILED"},
        }
        assert catalog.entities["<run exp-discarded>"]["removed"] is True
        version = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_detector_2,PROD)"
        assert catalog.aspects[version]["mlModelProperties"]["type"] == "gbm"
        assert catalog.aspects[version]["versionProperties"]["aliases"] == [
            {"versionTag": "challenger"}
        ]
