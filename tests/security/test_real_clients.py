"""Authentication with the real clients, each unmodified and configured the way its
users do it, against `mlgraph serve`-style uvicorn with MLGRAPH_AUTH=on and anonymous
reads off: the mlflow client, DataHub's emitter, mlgraph's SDK and its CLI. The users
and tokens are made with `mlgraph users` / `mlgraph tokens`, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from mlgraph.errors import Forbidden, Unauthorized
from mlgraph.integrations.mlflow.urns import run_urn
from mlgraph.sdk import Client
from tests.live import mlgraph_env, mlgraph_server

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"
DATAHUB_PYTHON = ROOT / ".venv-datahub" / "bin" / "python"
PASSWORD = "a passphrase long enough"


@dataclass(frozen=True)
class Team:
    url: str
    data_dir: Path
    tokens: dict[str, str]  # user name -> token


def _mlgraph(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", "from mlgraph.cli.main import cli; cli()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=mlgraph_env(data_dir),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    data_dir = tmp_path_factory.mktemp("secured")
    _mlgraph(data_dir, "users", "create-admin", "ada", "--password-stdin", stdin=PASSWORD + "\n")
    for name, role in (("eve", "editor"), ("vic", "viewer"), ("april", "approver")):
        _mlgraph(
            data_dir,
            "users",
            "create",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    tokens = {
        name: _mlgraph(
            data_dir, "tokens", "create", "--user", name, "--name", "tests"
        ).stdout.strip()
        for name in ("ada", "eve", "vic", "april")
    }
    with mlgraph_server(data_dir, auth="on", anonymous_read="false") as live:
        yield Team(live.url, data_dir, tokens)


def _mlflow(
    team: Team, *args: str, script: str = "mlflow_auth.py", **auth: str
) -> dict[str, dict[str, object]]:
    if not MLFLOW_PYTHON.exists():
        pytest.fail("the mlflow peer venv is missing: run `make peers` (make test does)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_TRACKING_URI"] = team.url
    env.update({f"MLFLOW_TRACKING_{k.upper()}": v for k, v in auth.items()})
    done = subprocess.run(
        [str(MLFLOW_PYTHON), str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _experiment_exists(team: Team, name: str) -> bool:
    r = httpx.get(
        f"{team.url}/api/2.0/mlflow/experiments/get-by-name",
        params={"experiment_name": name},
        headers={"Authorization": f"Bearer {team.tokens['ada']}"},
    )
    return r.status_code == 200


def test_mlflow_client_without_credentials_is_refused_401(team: Team) -> None:
    out = _mlflow(team, "anon-exp")
    assert out["search"]["error_code"] == "UNAUTHENTICATED"
    assert "sign in" in str(out["search"]["message"])
    assert out["create_experiment"]["error_code"] == "UNAUTHENTICATED"
    assert not _experiment_exists(team, "anon-exp")


def test_mlflow_client_with_a_viewers_token_reads_but_cannot_write(team: Team) -> None:
    out = _mlflow(team, "vic-exp", token=team.tokens["vic"])
    assert "ok" in out["search"]
    assert out["create_experiment"]["error_code"] == "PERMISSION_DENIED"
    assert "lacks `create`" in str(out["create_experiment"]["message"])
    assert out["log_run"]["error_code"] == "PERMISSION_DENIED"
    assert out["find_experiment"] == {"ok": False}
    assert not _experiment_exists(team, "vic-exp")


def test_mlflow_client_with_an_editors_password_logs_runs_as_that_user(team: Team) -> None:
    out = _mlflow(team, "eve-exp", username="eve", password=PASSWORD)
    assert "ok" in out["create_experiment"], out
    run_id = out["log_run"]["ok"]
    urn = quote(run_urn(str(run_id)), safe="")
    run = httpx.get(
        f"{team.url}/api/v1/entities/{urn}/aspects/mlTrainingRunProperties/history",
        headers={"Authorization": f"Bearer {team.tokens['eve']}"},
    )
    assert run.status_code == 200, run.text
    assert {v["actor"] for v in run.json()["versions"]} == {"urn:li:corpuser:eve"}


def test_mlflow_client_with_a_wrong_password_or_anothers_token_is_refused(team: Team) -> None:
    wrong = _mlflow(team, "x-exp", username="eve", password="not the passphrase")
    assert wrong["search"]["error_code"] == "UNAUTHENTICATED"
    assert "wrong user name or password" in str(wrong["search"]["message"])
    stolen = _mlflow(team, "x-exp", username="ada", password=team.tokens["eve"])
    assert stolen["search"]["error_code"] == "UNAUTHENTICATED"
    assert "belongs to another user" in str(stolen["search"]["message"])


def _datahub(team: Team, tag: str, token: str | None) -> dict[str, object]:
    if not DATAHUB_PYTHON.exists():
        pytest.fail("DataHub's client is not installed; run `make peers` (make test does)")
    args = [str(DATAHUB_PYTHON), str(SCRIPTS / "datahub_auth.py"), team.url, tag]
    done = subprocess.run(
        [*args, *([token] if token else [])],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DATAHUB_TELEMETRY_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _tag_exists(team: Team, tag: str) -> bool:
    r = httpx.get(
        f"{team.url}/api/v1/entities/urn%3Ali%3Atag%3A{tag}",
        headers={"Authorization": f"Bearer {team.tokens['ada']}"},
    )
    return r.status_code == 200


def test_datahub_emitter_needs_a_token_that_may_write(team: Team) -> None:
    anonymous = _datahub(team, "anon", None)
    assert anonymous["ok"] is False and "401" in str(anonymous)
    assert "sign in" in str(anonymous["error"])
    viewer = _datahub(team, "by-vic", team.tokens["vic"])
    assert viewer["ok"] is False and "403" in str(viewer)
    assert "lacks `create`" in str(viewer["error"])
    assert not _tag_exists(team, "anon") and not _tag_exists(team, "by-vic")
    assert _datahub(team, "by-eve", team.tokens["eve"]) == {"ok": True}
    assert _tag_exists(team, "by-eve")


def _cli_put(team: Team, token: str, proposals: Path) -> subprocess.CompletedProcess[str]:
    """`mlgraph put` against the server, authenticated as its users do: MLGRAPH_TOKEN."""
    env = {**mlgraph_env(team.data_dir), "MLGRAPH_URL": team.url, "MLGRAPH_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-c", "from mlgraph.cli.main import cli; cli()", "put", str(proposals)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_sdk_and_cli_use_the_token_and_a_revoked_one_fails_next(team: Team) -> None:
    tag = "urn:li:tag:sdk"
    with (
        Client(team.url, token=team.tokens["vic"]) as vic,
        pytest.raises(Forbidden, match="lacks `create`"),
    ):
        vic.aspects.put(tag, "tagProperties", {"name": "sdk"})
    with Client(team.url) as nobody, pytest.raises(Unauthorized):
        list(nobody.entities.list())
    fresh = _mlgraph(team.data_dir, "tokens", "create", "--user", "eve", "--name", "laptop")
    token = fresh.stdout.strip()
    with Client(team.url, token=token) as eve:
        eve.aspects.put(tag, "tagProperties", {"name": "sdk"})
        assert eve.aspects.get(tag, "tagProperties").value == {"name": "sdk"}

    proposals = team.data_dir / "put.json"
    proposals.write_text(
        json.dumps([{"urn": "urn:li:tag:cli", "aspect": "tagProperties", "value": {"name": "cli"}}])
    )
    put = _cli_put(team, token, proposals)
    assert put.returncode == 0, put.stdout + put.stderr
    assert _tag_exists(team, "cli")

    listed = _mlgraph(team.data_dir, "tokens", "list", "--user", "eve").stdout
    token_id = next(line.split("\t")[0] for line in listed.splitlines() if "\tlaptop\t" in line)
    _mlgraph(team.data_dir, "tokens", "revoke", token_id)
    with Client(team.url, token=token) as eve, pytest.raises(Unauthorized, match="revoked"):
        list(eve.entities.list())
    denied = _cli_put(team, token, proposals)
    assert denied.returncode != 0
    assert "revoked" in denied.stderr


def _approval(team: Team, urn: str) -> dict[str, object]:
    r = httpx.get(
        f"{team.url}/api/v1/approval/{quote(urn, safe='')}",
        headers={"Authorization": f"Bearer {team.tokens['eve']}"},
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_mlflow_production_needs_an_approval_by_another_approver(team: Team) -> None:
    from mlgraph.integrations.mlflow.urns import model_version_urn

    eve = {"token": team.tokens["eve"]}
    out = _mlflow(team, "register", "fraud-scorer", script="mlflow_approval.py", **eve)
    version = out["register"]["ok"]["version"]  # type: ignore[index]
    run_id = out["register"]["ok"]["run_id"]  # type: ignore[index]
    # Straight to Production, or the protected alias: refused, saying what to do.
    for step in ("to_production", "alias_champion"):
        assert out[step]["error_code"] == "PERMISSION_DENIED", out
        assert "approval required" in str(out[step]["message"])
        assert "mlgraph approvals request" in str(out[step]["message"])
    model = model_version_urn("fraud-scorer", version)
    assert _approval(team, model)["approved"] is False

    with Client(team.url, token=team.tokens["eve"]) as as_eve:
        made = as_eve.approvals.request(
            model, evidence=[("evaluation run", run_urn(run_id))], comment="val_auc 0.93"
        )
        with pytest.raises(Forbidden, match="lacks `approve`"):
            as_eve.approvals.approve(made.id)
    with Client(team.url, token=team.tokens["ada"]) as as_ada:
        # The admin is no approver of her own request either (segregation of duties).
        own = as_ada.approvals.request(model, "alias:champion")
        with pytest.raises(Forbidden, match="segregation of duties"):
            as_ada.approvals.approve(own.id)
        as_ada.approvals.withdraw(own.id)
    with Client(team.url, token=team.tokens["april"]) as as_april:
        decided = as_april.approvals.approve(made.id, "evaluation reviewed")
    assert decided.state == "approved" and decided.decided_by == "urn:li:corpuser:april"

    promoted = _mlflow(team, "promote", "fraud-scorer", version, script="mlflow_approval.py", **eve)
    assert promoted["to_production"] == {"ok": "Production"}, promoted
    answer = _approval(team, model)
    assert answer["approved"] is True, answer
    record = answer["approval"]
    assert isinstance(record, dict)
    assert record["decided_by"] == "urn:li:corpuser:april"
    assert record["requester"] == "urn:li:corpuser:eve"
    assert record["evidence"] == [{"label": "evaluation run", "link": run_urn(run_id)}]

    # Seed 004: who promoted each version, and when — with real identities.
    headers = {"Authorization": f"Bearer {team.tokens['ada']}"}
    history = httpx.get(
        f"{team.url}/api/v1/models/{quote(model, safe='')}/registry-history", headers=headers
    ).json()["events"]
    moves = [(e["actor"], e["to"]) for e in history if e["kind"] == "stage"]
    assert ("urn:li:corpuser:eve", "Production") in moves
    audit = httpx.get(
        f"{team.url}/api/v1/audit", params={"urn": model, "limit": 1000}, headers=headers
    )
    steps = [
        (e["kind"], e["actor"], e["door"]) for e in audit.json()["entries"] if e["kind"] != "write"
    ]
    assert steps[:2] == [
        ("permission_denied", "urn:li:corpuser:eve", "mlflow"),
        ("permission_denied", "urn:li:corpuser:eve", "mlflow"),
    ]
    assert ("approval_requested", "urn:li:corpuser:eve", "rest") in steps
    assert ("permission_denied", "urn:li:corpuser:ada", "rest") in steps
    assert ("approval_approved", "urn:li:corpuser:april", "rest") in steps
    assert steps[-1] == ("approval_applied", "urn:li:corpuser:eve", "mlflow")
    writes = [e for e in audit.json()["entries"] if e["kind"] == "write"]
    assert {e["token_id"] for e in writes if e["door"] == "mlflow"} != {None}
    assert all(e["address"] == "127.0.0.1" for e in audit.json()["entries"])

    archived = _mlflow(team, "archive", "fraud-scorer", version, script="mlflow_approval.py", **eve)
    assert archived["to_archived"] == {"ok": "Archived"}, archived
    after = _approval(team, model)
    assert after["approved"] is False
    assert after["reasons"] == ["Archived: it may no longer be deployed"]
