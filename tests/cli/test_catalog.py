"""`mlgraph get`, `put`, `history` and `demo`: in-process (a `Client` over the app
handed to the command as click's context object, on every backend) and against a
real server started with `mlgraph serve`, including `serve --load-demo`."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from mlgraph.cli.main import cli
from mlgraph.demo import load_demo
from mlgraph.sdk import Client
from tests.live import Live, free_port, mlgraph_env, serving

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
TAG = "urn:li:tag:cli-test"
ACTOR = "urn:li:corpuser:cli_test"


def tag_proposal(description: str) -> dict[str, object]:
    return {
        "op": "upsert",
        "urn": TAG,
        "aspect": "tagProperties",
        "value": {"name": "cli-test", "description": description},
    }


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client, actor=ACTOR) as c:
        yield c


def run(sdk: Client, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=sdk)


# -- in-process ---------------------------------------------------------------


def test_get_prints_the_entity_as_json(sdk: Client) -> None:
    load_demo(sdk)
    result = run(sdk, "get", CHURN)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["urn"] == CHURN
    assert body["type"] == "mlModel"
    assert body["aspects"]["mlModelProperties"]["name"] == "Customer Churn Prediction Model"
    assert "intendedUse" in body["aspects"]


def test_get_only_the_aspects_asked_for(sdk: Client) -> None:
    load_demo(sdk)
    result = run(sdk, "get", CHURN, "--aspect", "cost", "--aspect", "domains")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body["aspects"]) == {"cost", "domains"}
    assert body["aspects"]["domains"] == {"domains": ["urn:li:domain:customer-analytics"]}


def test_get_a_missing_entity_or_aspect_fails_with_the_message(sdk: Client) -> None:
    result = run(sdk, "get", "urn:li:tag:nope")
    assert result.exit_code == 1
    assert "not_found: no entity urn:li:tag:nope" in result.output

    load_demo(sdk)
    result = run(sdk, "get", CHURN, "--aspect", "mlModelDetails")
    assert result.exit_code == 1
    assert f"{CHURN} has no aspect mlModelDetails" in result.output

    result = run(sdk, "get", "not-a-urn")
    assert result.exit_code == 1
    assert "must start with 'urn:li:'" in result.output


def test_put_applies_a_json_list_then_reports_nothing_changed(sdk: Client, tmp_path: Path) -> None:
    file = tmp_path / "tag.json"
    file.write_text(json.dumps([tag_proposal("first")]))
    result = run(sdk, "put", str(file))
    assert result.exit_code == 0, result.output
    assert "1 proposal(s) applied, 1 changed" in result.output
    assert TAG in result.output

    again = run(sdk, "put", str(file))
    assert again.exit_code == 0, again.output
    assert "1 proposal(s) applied, 0 changed" in again.output
    assert sdk.aspects.get(TAG, "tagProperties").value == {
        "name": "cli-test",
        "description": "first",
    }


def test_put_reads_yaml_with_a_proposals_key(sdk: Client, tmp_path: Path) -> None:
    file = tmp_path / "batch.yaml"
    file.write_text(
        "proposals:\n"
        "  - op: upsert\n"
        f"    urn: {TAG}\n"
        "    aspect: tagProperties\n"
        "    value: {name: cli-test, description: from yaml}\n"
        "  - op: upsert\n"
        f"    urn: {TAG}\n"
        "    aspect: status\n"
        "    value: {removed: false}\n"
    )
    result = run(sdk, "put", str(file))
    assert result.exit_code == 0, result.output
    assert "2 proposal(s) applied, 2 changed" in result.output
    assert sdk.aspects.get(TAG, "tagProperties").value == {
        "name": "cli-test",
        "description": "from yaml",
    }


def test_put_prints_the_server_error_and_writes_nothing(sdk: Client, tmp_path: Path) -> None:
    bad = {"op": "upsert", "urn": TAG, "aspect": "mlModelProperties", "value": {}}
    file = tmp_path / "bad.json"
    file.write_text(json.dumps({"proposals": [tag_proposal("ok"), bad]}))
    result = run(sdk, "put", str(file))
    assert result.exit_code == 1
    assert "invalid_input: proposals[1]" in result.output
    assert "does not belong to entity type 'tag'" in result.output
    assert not sdk.entities.exists(TAG)


def test_put_rejects_a_file_that_is_not_a_batch(sdk: Client, tmp_path: Path) -> None:
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("proposals: [unclosed")
    result = run(sdk, "put", str(not_yaml))
    assert result.exit_code == 1
    assert "is not valid JSON or YAML" in result.output

    not_a_list = tmp_path / "object.json"
    not_a_list.write_text('{"op": "upsert"}')
    result = run(sdk, "put", str(not_a_list))
    assert result.exit_code == 1
    assert "must hold a list of proposals" in result.output


def test_history_lists_versions_newest_first(sdk: Client, tmp_path: Path) -> None:
    for description in ("first", "second"):
        file = tmp_path / f"{description}.json"
        file.write_text(json.dumps([tag_proposal(description)]))
        assert run(sdk, "put", str(file)).exit_code == 0
    result = run(sdk, "history", TAG, "tagProperties")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if ACTOR in line]
    assert [row.split()[1] for row in rows] == ["2", "1"]
    assert "run id" in result.output

    missing = run(sdk, "history", TAG, "ownership")
    assert missing.exit_code == 1
    assert "has never been written" in missing.output


def test_history_shows_the_demo_version_bump(sdk: Client) -> None:
    load_demo(sdk)
    arima = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
    result = run(sdk, "history", arima, "versionProperties")
    assert result.exit_code == 0, result.output
    # created, `champion` pointed at it once approved, then the version bump
    assert len([line for line in result.output.splitlines() if ACTOR in line]) == 3


# -- against a real server ------------------------------------------------------


@contextlib.contextmanager
def _serve(data_dir: Path, *extra: str, **settings: str) -> Iterator[Live]:
    """`mlgraph serve` in a subprocess on a free port, its own data dir and a clean
    environment (with `settings`); yields once /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "mlgraph.cli.main", "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir), *extra]
    env = mlgraph_env(data_dir, **settings)
    del env["MLGRAPH_DATA_DIR"]  # the command line says where
    with serving(command, port, cwd=data_dir, log=data_dir / "server.log", env=env) as live:
        yield live


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    with _serve(tmp_path) as live:
        yield live.url


@pytest.mark.live
def test_demo_get_put_history_against_a_server(server_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    loaded = runner.invoke(cli, ["demo", "--url", server_url])
    assert loaded.exit_code == 0, loaded.output
    assert f"demo catalog loaded into {server_url}" in loaded.output
    reloaded = runner.invoke(cli, ["demo"], env={"MLGRAPH_URL": server_url})
    assert reloaded.exit_code == 0, reloaded.output
    assert ": 0 entities created or changed" in reloaded.output

    deployment = "urn:li:mlModelDeployment:(urn:li:dataPlatform:mlflow,/predict v2.1,PROD)"
    got = runner.invoke(cli, ["get", deployment, "--url", server_url])
    assert got.exit_code == 0, got.output
    props = json.loads(got.output)["aspects"]["mlModelDeploymentProperties"]
    assert props["name"] == "/predict v2.1"

    file = tmp_path / "tag.json"
    file.write_text(json.dumps([tag_proposal("live")]))
    put = runner.invoke(
        cli, ["put", str(file)], env={"MLGRAPH_URL": server_url, "MLGRAPH_ACTOR": ACTOR}
    )
    assert put.exit_code == 0, put.output
    assert "1 changed" in put.output

    hist = runner.invoke(cli, ["history", TAG, "tagProperties", "--url", server_url])
    assert hist.exit_code == 0, hist.output
    assert ACTOR in hist.output


@pytest.mark.live
def test_an_unreachable_server_is_one_line_and_exit_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["get", CHURN, "--url", url])
    assert result.exit_code == 1
    assert "server_unreachable: cannot reach the mlgraph server" in result.output
    assert "Traceback" not in result.output


@pytest.mark.live
def test_serve_load_demo_serves_the_demo(tmp_path: Path) -> None:
    """The `make run` path: `mlgraph serve --load-demo` on an empty data dir."""
    with _serve(tmp_path, "--load-demo") as live:
        deadline = time.monotonic() + 60
        while "demo catalog loaded:" not in live.log.read_text():
            if live.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo was not loaded:\n{live.log.read_text()}")
            time.sleep(0.2)
        response = httpx.get(f"{live.url}/api/v1/entities/" + CHURN.replace(",", "%2C"), timeout=5)
        assert response.status_code == 200, response.text
        found = response.json()["aspects"]
        assert found["mlModelProperties"]["value"]["name"] == "Customer Churn Prediction Model"
        assert found["intendedUse"]["value"]["primaryUsers"] == ["ENTERPRISE"]


def _wait_for(live: Live, text: str) -> str:
    deadline = time.monotonic() + 60
    while text not in (log := live.log.read_text()):
        if live.proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the server never said {text!r}:\n{log}")
        time.sleep(0.2)
    return log


@pytest.mark.live
def test_make_run_prints_a_one_time_setup_link_and_loads_the_demo_as_its_people(
    tmp_path: Path,
) -> None:
    """`make run`: sign-in on, the first admin made through the link the server prints,
    the demo's promotions approved by its approver."""
    with _serve(tmp_path, "--load-demo", auth="on") as live:
        log = _wait_for(live, "demo catalog loaded:")
        found = re.search(r"open (http://\S+/setup\?code=\S+) to create one", log)
        assert found, log
        with httpx.Client(timeout=10) as browser:
            page = browser.get(found.group(1)).text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            code = re.search(r'name="code" value="([^"]+)"', page)
            assert csrf and code
            form = {"csrf": csrf.group(1), "code": code.group(1), "username": "root"}
            short = browser.post(f"{live.url}/setup", data={**form, "password": "short"})
            assert short.status_code == 422 and "at least 12" in short.text
            made = browser.post(
                f"{live.url}/setup",
                data={**form, "password": "a long first password"},
                follow_redirects=False,
            )
            assert made.status_code == 303, made.text
            assert "mlgraph_session" in browser.cookies
            assert 'id="me"' in browser.get(f"{live.url}/").text
            again = browser.post(f"{live.url}/setup", data={**form, "password": "x" * 20})
            assert again.status_code in (403, 404)

        # The admin signs in with the password chosen; the demo loader holds no role.
        admin = httpx.BasicAuth("root", "a long first password")
        users = httpx.get(f"{live.url}/api/v1/users", auth=admin, timeout=10).json()["users"]
        roles = {u["urn"]: u["roles"] for u in users}
        assert roles["urn:li:corpuser:root"] == ["admin"]
        assert roles["urn:li:corpuser:demo_loader"] == []
        assert roles["urn:li:corpuser:mokafor"] == ["approver"]
        clf = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
        answer = httpx.get(f"{live.url}/api/v1/approval/{quote(clf, safe='')}", timeout=10).json()
        assert answer["approved"] is True
        assert answer["approval"]["requester"] == "urn:li:corpuser:rzeng"
        assert answer["approval"]["decided_by"] == "urn:li:corpuser:mokafor"
