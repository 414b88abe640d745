"""The write policies hold on every door. One change breaks seed 004's lineage rule: a
model becomes a version of a group that requires the run tag `dataset_version`, trained
by a run that lacks it. Each door is asked to make it and refuses, writing nothing;
once the run carries the tag, the same door accepts it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from mlgraph.cli.main import cli
from mlgraph.integrations.mlflow.urns import model_group_urn, model_version_urn, run_urn
from mlgraph.sdk import Client
from tests.helpers import page_csrf, path

MLFLOW = "/api/2.0/mlflow"
GROUP_NAME = "fraud"
GROUP = model_group_urn(GROUP_NAME)
MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_candidate,PROD)"
PROPS = "mlModelProperties"


class World:
    """A fresh catalog: an MLflow registered model requiring `dataset_version`, and an
    MLflow run without it (tagged only with git_commit)."""

    def __init__(self, client: TestClient, tmp: Path) -> None:
        self.client = client
        self.tmp = tmp
        policy = {"key": "mlgraph.required_run_tags", "value": "dataset_version"}
        ok(
            client.post(
                f"{MLFLOW}/registered-models/create", json={"name": GROUP_NAME, "tags": [policy]}
            )
        )
        created = client.post(
            f"{MLFLOW}/runs/create",
            json={"experiment_id": "0", "tags": [{"key": "git_commit", "value": "b7d9e4"}]},
        )
        self.run_id: str = ok(created)["run"]["info"]["run_id"]
        self.run = run_urn(self.run_id)

    def properties(self) -> dict[str, Any]:
        return {"name": "fraud candidate", "groups": [GROUP], "trainingJobs": [self.run]}

    def seed_model(self) -> None:
        """The model, trained by the run, not yet in any group (for the doors that edit it)."""
        body = {"name": "fraud candidate", "trainingJobs": [self.run]}
        ok(self.client.put(path(MODEL, "aspects", PROPS), json=body))

    def tag_the_run(self) -> None:
        tag = {"run_id": self.run_id, "key": "dataset_version", "value": "orders_v2.1"}
        ok(self.client.post(f"{MLFLOW}/runs/set-tag", json=tag))

    def members(self) -> list[str]:
        r = self.client.get(
            path(GROUP, "relationships"), params={"direction": "incoming", "types": "MemberOf"}
        )
        return [rel["urn"] for rel in ok(r)["relationships"]]

    def versions(self) -> list[dict[str, Any]]:
        r = self.client.get(
            f"{MLFLOW}/model-versions/search", params={"filter": f"name='{GROUP_NAME}'"}
        )
        found: list[dict[str, Any]] = ok(r)["model_versions"]
        return found


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def _mcp(urn: str, aspect: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "entityType": "mlModel",
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": aspect,
        "aspect": {"value": json.dumps(value), "contentType": "application/json"},
    }


# Each door: (set up what it edits, make the change) -> (HTTP-like status, text of the answer)
Door = Callable[[World], tuple[int, str]]


def rest_proposals(w: World) -> tuple[int, str]:
    body = {"proposals": [{"op": "upsert", "urn": MODEL, "aspect": PROPS, "value": w.properties()}]}
    r = w.client.post("/api/v1/proposals", json=body)
    return r.status_code, r.text


def rest_put(w: World) -> tuple[int, str]:
    r = w.client.put(path(MODEL, "aspects", PROPS), json=w.properties())
    return r.status_code, r.text


def rest_patch(w: World) -> tuple[int, str]:
    w.seed_model()
    r = w.client.patch(
        path(MODEL, "aspects", PROPS),
        content=json.dumps([{"op": "add", "path": "/groups", "value": [GROUP]}]),
        headers={"content-type": "application/json-patch+json"},
    )
    return r.status_code, r.text


def ui_form(w: World) -> tuple[int, str]:
    w.seed_model()
    r = w.client.post(
        f"/edit/group/{quote(MODEL, safe=':,()')}",
        data={"value": GROUP_NAME, "csrf": page_csrf(w.client)},
        follow_redirects=False,
    )
    return (200 if r.status_code == 303 else r.status_code), r.text


def datahub_ingest_proposal(w: World) -> tuple[int, str]:
    r = w.client.post(
        "/aspects?action=ingestProposal", json={"proposal": _mcp(MODEL, PROPS, w.properties())}
    )
    return r.status_code, r.text


def datahub_ingest_proposal_batch(w: World) -> tuple[int, str]:
    tags = {"tags": [{"tag": "urn:li:tag:candidate"}]}
    batch = [_mcp(MODEL, "globalTags", tags), _mcp(MODEL, PROPS, w.properties())]
    r = w.client.post("/aspects?action=ingestProposalBatch", json={"proposals": batch})
    return r.status_code, r.text


def mlflow_api(w: World) -> tuple[int, str]:
    r = w.client.post(
        f"{MLFLOW}/model-versions/create",
        json={"name": GROUP_NAME, "source": f"runs:/{w.run_id}/model", "run_id": w.run_id},
    )
    return r.status_code, r.text


def cli_put(w: World) -> tuple[int, str]:
    file = w.tmp / "proposals.json"
    proposal = {"op": "upsert", "urn": MODEL, "aspect": PROPS, "value": w.properties()}
    file.write_text(json.dumps({"proposals": [proposal]}))
    with Client(http_client=w.client) as sdk:
        result = CliRunner().invoke(cli, ["put", str(file)], obj=sdk)
    return (200 if result.exit_code == 0 else 422), result.output


DOORS: dict[str, Door] = {
    "rest proposals": rest_proposals,
    "rest aspect put": rest_put,
    "rest aspect patch": rest_patch,
    "ui form": ui_form,
    "datahub ingestProposal": datahub_ingest_proposal,
    "datahub ingestProposalBatch": datahub_ingest_proposal_batch,
    "mlflow api": mlflow_api,
    "cli put": cli_put,
}


@pytest.mark.parametrize("door", DOORS.values(), ids=DOORS.keys())
def test_every_door_refuses_the_same_violation_and_writes_nothing(
    door: Door, client: TestClient, tmp_path: Path
) -> None:
    w = World(client, tmp_path)
    status, answer = door(w)
    assert 400 <= status < 500, answer
    assert "dataset_version" in answer and "missing required lineage tags" in answer
    assert "git_commit" not in answer.split("tags:")[-1]  # it names what is missing only
    assert w.members() == []
    assert w.versions() == []
    stored = client.get(path(MODEL, "aspects", PROPS))
    if stored.status_code == 200:  # a door that edits an existing model left it as it was
        assert "groups" not in stored.json()["value"]
    assert client.get(path(MODEL, "aspects", "globalTags")).status_code == 404

    w.tag_the_run()
    status, answer = door(w)
    assert status < 300, answer
    joined = model_version_urn(GROUP_NAME, 1) if door is mlflow_api else MODEL
    assert w.members() == [joined]


def test_a_refusal_names_the_policy_run_and_group(client: TestClient, tmp_path: Path) -> None:
    w = World(client, tmp_path)
    body = client.put(path(MODEL, "aspects", PROPS), json=w.properties()).json()["error"]
    assert body["code"] == "policy_violation"
    assert body["details"] == {
        "policy": "required_run_tags",
        "model": MODEL,
        "group": GROUP,
        "run": w.run,
        "missing": ["dataset_version"],
    }


def test_a_model_already_in_the_group_is_not_checked_again(
    client: TestClient, tmp_path: Path
) -> None:
    w = World(client, tmp_path)
    w.tag_the_run()
    ok(client.put(path(MODEL, "aspects", PROPS), json=w.properties()))
    # The group's requirement grows after the model joined: editing the model is fine.
    tags = {
        "name": GROUP_NAME,
        "key": "mlgraph.required_run_tags",
        "value": "dataset_version, owner",
    }
    ok(client.post(f"{MLFLOW}/registered-models/set-tag", json=tags))
    ok(client.put(path(MODEL, "aspects", PROPS), json={**w.properties(), "description": "v1"}))
    # A second group joined in the same write is checked.
    other = model_group_urn("other")
    policy = {"customProperties": {"mlgraph.required_run_tags": "owner"}}
    ok(client.put(path(other, "aspects", "mlModelGroupProperties"), json=policy))
    joined = {**w.properties(), "groups": [GROUP, other]}
    r = client.put(path(MODEL, "aspects", PROPS), json=joined)
    assert r.status_code == 422 and "['owner']" in r.text


def test_the_tag_and_the_registration_may_arrive_in_one_batch(
    client: TestClient, tmp_path: Path
) -> None:
    w = World(client, tmp_path)
    run = client.get(path(w.run, "aspects", "dataProcessInstanceProperties")).json()["value"]
    run["customProperties"]["dataset_version"] = "orders_v2.1"
    batch = [
        {"op": "upsert", "urn": w.run, "aspect": "dataProcessInstanceProperties", "value": run},
        {"op": "upsert", "urn": MODEL, "aspect": PROPS, "value": w.properties()},
    ]
    ok(client.post("/api/v1/proposals", json={"proposals": batch}))
    assert w.members() == [MODEL]
