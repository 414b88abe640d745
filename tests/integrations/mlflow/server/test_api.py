"""The MLflow-compatible API in-process on every backend: error codes and statuses
(never a 500 for bad input), the lineage-tag policy, search grammar and paging,
the actor of registry events."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mlgraph.integrations.mlflow.urns import model_group_urn, model_version_urn
from mlgraph.runtime import Services

P = "/api/2.0/mlflow"


def ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def make_run(c: TestClient, tags: dict[str, str] | None = None, exp: str = "0") -> str:
    body = {
        "experiment_id": exp,
        "start_time": 1000,
        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
    }
    return str(ok(c.post(f"{P}/runs/create", json=body))["run"]["info"]["run_id"])


def error(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error_code", "message"} and body["error_code"] == code
    return str(body["message"])


def test_unknown_run_is_resource_does_not_exist(mlflow_app: TestClient) -> None:
    error(
        mlflow_app.get(f"{P}/runs/get", params={"run_id": "0" * 32}), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    error(
        mlflow_app.get(f"{P}/experiments/get", params={"experiment_id": "42"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    error(
        mlflow_app.get(f"{P}/registered-models/get", params={"name": "nope"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


@pytest.mark.parametrize(
    "flt",
    [
        "metrics.auc >> 1",
        "tags.x = 'a' OR tags.y = 'b'",
        "bogus.x = 'a'",
        "attributes.nope = 'x'",
        "metrics.auc > 'a'",
        "params.lr",
    ],
)
def test_malformed_filter_is_invalid_parameter_value(mlflow_app: TestClient, flt: str) -> None:
    r = mlflow_app.post(f"{P}/runs/search", json={"experiment_ids": ["0"], "filter": flt})
    error(r, 400, "INVALID_PARAMETER_VALUE")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/runs/create", b"{not json"),
        ("POST", "/runs/log-metric", b"[1, 2]"),
        (
            "POST",
            "/runs/log-metric",
            b'{"run_id": "x", "key": "k", "value": "abc", "timestamp": 1}',
        ),
        ("POST", "/experiments/create", b"{}"),
        ("POST", "/runs/search", b'{"max_results": "many"}'),
        ("POST", "/runs/search", b'{"page_token": "@@@"}'),
        (
            "POST",
            "/model-versions/transition-stage",
            b'{"name": "m", "version": "1", "stage": "Gold"}',
        ),
    ],
)
def test_bad_input_is_a_400_never_a_500(
    mlflow_app: TestClient, method: str, path: str, body: bytes
) -> None:
    r = mlflow_app.request(
        method, f"{P}{path}", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code in (400, 404), r.text
    assert r.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST")


def test_artifact_paths_cannot_escape_the_root(mlflow_app: TestClient) -> None:
    r = mlflow_app.put("/api/2.0/mlflow-artifacts/artifacts/0/../../../etc/x", content=b"x")
    assert r.status_code in (400, 404)
    assert (
        mlflow_app.get("/api/2.0/mlflow-artifacts/artifacts", params={"path": "missing"}).json()
        == {}
    )


def test_params_are_immutable_and_metrics_keep_the_max_step(mlflow_app: TestClient) -> None:
    run = make_run(mlflow_app)
    ok(
        mlflow_app.post(
            f"{P}/runs/log-parameter", json={"run_id": run, "key": "lr", "value": "0.1"}
        )
    )
    r = mlflow_app.post(
        f"{P}/runs/log-parameter", json={"run_id": run, "key": "lr", "value": "0.2"}
    )
    error(r, 400, "INVALID_PARAMETER_VALUE")
    for step, value in [(2, 0.5), (1, 0.9), (2, 0.4)]:
        ok(
            mlflow_app.post(
                f"{P}/runs/log-metric",
                json={"run_id": run, "key": "loss", "value": value, "timestamp": 5, "step": step},
            )
        )
    metrics = ok(mlflow_app.get(f"{P}/runs/get", params={"run_id": run}))["run"]["data"]["metrics"]
    assert metrics == [{"key": "loss", "value": 0.5, "timestamp": 5, "step": 2}]
    history = ok(
        mlflow_app.get(f"{P}/metrics/get-history", params={"run_id": run, "metric_key": "loss"})
    )
    assert len(history["metrics"]) == 3


def test_nan_and_infinite_metrics_are_kept_as_mlflow_keeps_them(mlflow_app: TestClient) -> None:
    # The mlflow client sends non-finite doubles as protobuf JSON strings.
    run, calm, none = make_run(mlflow_app), make_run(mlflow_app), make_run(mlflow_app)
    for step, value in enumerate(["NaN", "Infinity", "-Infinity", "NaN"]):
        body = {"run_id": run, "key": "loss", "value": value, "timestamp": 5, "step": step}
        ok(mlflow_app.post(f"{P}/runs/log-metric", json=body))
    again = {"run_id": run, "key": "loss", "value": "NaN", "timestamp": 5, "step": 0}
    ok(mlflow_app.post(f"{P}/runs/log-metric", json=again))  # a repeat is a no-op
    body = {"run_id": calm, "key": "loss", "value": 0.5, "timestamp": 5, "step": 0}
    ok(mlflow_app.post(f"{P}/runs/log-metric", json=body))
    history = ok(
        mlflow_app.get(f"{P}/metrics/get-history", params={"run_id": run, "metric_key": "loss"})
    )["metrics"]
    big = sys.float_info.max
    assert [(m["step"], m["value"]) for m in history] == [
        (0, "NaN"),
        (1, big),
        (2, -big),
        (3, "NaN"),
    ]
    latest = ok(mlflow_app.get(f"{P}/runs/get", params={"run_id": run}))["run"]["data"]
    assert latest["metrics"] == [{"key": "loss", "value": "NaN", "timestamp": 5, "step": 3}]
    # A NaN latest value matches no comparison; ordering puts it after the numbers and
    # before the runs without the metric, either way.
    for flt in ["metrics.loss > -1", "metrics.loss < 1", "metrics.loss != 0.5"]:
        found = ok(
            mlflow_app.post(f"{P}/runs/search", json={"experiment_ids": ["0"], "filter": flt})
        )
        assert run not in [r["info"]["run_id"] for r in found.get("runs", [])], flt
    for direction in ("ASC", "DESC"):
        ordered = ok(
            mlflow_app.post(
                f"{P}/runs/search",
                json={"experiment_ids": ["0"], "order_by": [f"metrics.loss {direction}"]},
            )
        )
        assert [r["info"]["run_id"] for r in ordered["runs"]] == [calm, run, none]


def test_search_runs_filters_orders_and_pages(mlflow_app: TestClient) -> None:
    runs = []
    for i in range(5):
        run = make_run(mlflow_app, {"dataset_version": "v2" if i % 2 else "v1"})
        body = {
            "run_id": run,
            "metrics": [{"key": "auc", "value": 0.5 + i / 10, "timestamp": 1, "step": 0}],
        }
        ok(mlflow_app.post(f"{P}/runs/log-batch", json=body))
        runs.append(run)
    found = ok(
        mlflow_app.post(
            f"{P}/runs/search",
            json={
                "experiment_ids": ["0"],
                "filter": "tags.dataset_version = 'v1' AND metrics.auc > 0.55",
                "order_by": ["metrics.auc DESC"],
            },
        )
    )
    assert [r["info"]["run_id"] for r in found["runs"]] == [runs[4], runs[2]]
    seen, token = [], None
    while True:
        body = {
            "experiment_ids": ["0"],
            "max_results": 2,
            "order_by": ["metrics.auc ASC"],
            "filter": "attributes.status = 'RUNNING'",
        }
        page = ok(
            mlflow_app.post(
                f"{P}/runs/search", json={**body, **({"page_token": token} if token else {})}
            )
        )
        seen += [r["info"]["run_id"] for r in page["runs"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert seen == runs
    ok(mlflow_app.post(f"{P}/runs/delete", json={"run_id": runs[0]}))
    deleted = ok(
        mlflow_app.post(
            f"{P}/runs/search", json={"experiment_ids": ["0"], "run_view_type": "DELETED_ONLY"}
        )
    )
    assert [r["info"]["run_id"] for r in deleted["runs"]] == [runs[0]]
    by_id = ok(
        mlflow_app.post(
            f"{P}/runs/search",
            json={"experiment_ids": ["0"], "filter": f"run_id IN ('{runs[1]}', '{runs[2]}')"},
        )
    )
    assert {r["info"]["run_id"] for r in by_id["runs"]} == {runs[1], runs[2]}


def _register(c: TestClient, name: str, run: str, **headers: str) -> Any:
    c.post(f"{P}/registered-models/create", json={"name": name}, headers=headers)
    return c.post(
        f"{P}/model-versions/create",
        json={"name": name, "source": f"runs:/{run}/model", "run_id": run},
        headers=headers,
    )


def test_required_run_tags_from_settings_and_from_the_model_group(
    mlflow_app: TestClient, services: Services
) -> None:
    services.settings.required_run_tags = ["dataset_version"]
    bare = make_run(mlflow_app, {"git_commit": "abc"})
    message = error(_register(mlflow_app, "m", bare), 400, "INVALID_PARAMETER_VALUE")
    assert "['dataset_version']" in message
    tagged = make_run(mlflow_app, {"dataset_version": "v1"})
    ok(_register(mlflow_app, "m", tagged))
    ok(
        mlflow_app.post(
            f"{P}/registered-models/set-tag",
            json={
                "name": "m",
                "key": "mlgraph.required_run_tags",
                "value": "git_commit, triggered_by",
            },
        )
    )
    message = error(_register(mlflow_app, "m", tagged), 400, "INVALID_PARAMETER_VALUE")
    assert "['git_commit', 'triggered_by']" in message


def test_mlgraph_own_writes_get_the_same_policy(mlflow_app: TestClient, services: Services) -> None:
    from mlgraph.errors import PolicyViolation
    from mlgraph.integrations.mlflow.urns import run_urn
    from mlgraph.services.proposals import Op, Proposal

    services.settings.required_run_tags = ["triggered_by"]
    run = make_run(mlflow_app)
    proposal = Proposal(
        Op.UPSERT,
        model_version_urn("x", 1),
        "mlModelProperties",
        {"groups": [model_group_urn("x")], "trainingJobs": [run_urn(run)]},
    )
    with pytest.raises(PolicyViolation, match="triggered_by"):
        services.writes.apply_one(proposal)


def test_registry_events_record_the_actor(mlflow_app: TestClient) -> None:
    run = make_run(mlflow_app)
    ok(_register(mlflow_app, "m", run))
    ok(
        mlflow_app.post(
            f"{P}/model-versions/transition-stage",
            json={
                "name": "m",
                "version": "1",
                "stage": "staging",
                "archive_existing_versions": False,
            },
            headers={"X-Mlgraph-Actor": "urn:li:corpuser:rzeng"},
        )
    )
    ok(
        mlflow_app.post(
            f"{P}/registered-models/alias",
            json={"name": "m", "alias": "champion", "version": "1"},
            auth=("ops", "secret"),
        )
    )
    error(
        mlflow_app.post(
            f"{P}/registered-models/alias", json={"name": "m", "alias": "v3", "version": "1"}
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    events = ok(
        mlflow_app.get(
            f"/api/v1/models/{quote(model_version_urn('m', 1), safe='')}/registry-history"
        )
    )["events"]
    assert [(e["kind"], e["from"], e["to"], e["actor"]) for e in events] == [
        ("stage", None, "None", "urn:li:corpuser:anonymous"),
        ("stage", "None", "Staging", "urn:li:corpuser:rzeng"),
        ("alias", None, "1", "urn:li:corpuser:ops"),
    ]


def test_experiments_lifecycle_and_search(mlflow_app: TestClient) -> None:
    exp = ok(
        mlflow_app.post(
            f"{P}/experiments/create", json={"name": "a", "tags": [{"key": "team", "value": "x"}]}
        )
    )["experiment_id"]
    error(
        mlflow_app.post(f"{P}/experiments/create", json={"name": "a"}),
        400,
        "RESOURCE_ALREADY_EXISTS",
    )
    ok(mlflow_app.post(f"{P}/experiments/update", json={"experiment_id": exp, "new_name": "b"}))
    assert (
        ok(mlflow_app.get(f"{P}/experiments/get-by-name", params={"experiment_name": "b"}))[
            "experiment"
        ]["experiment_id"]
        == exp
    )
    found = ok(mlflow_app.post(f"{P}/experiments/search", json={"filter": "tags.team = 'x'"}))[
        "experiments"
    ]
    assert [e["name"] for e in found] == ["b"]
    ok(mlflow_app.post(f"{P}/experiments/delete", json={"experiment_id": exp}))
    assert [
        e["name"] for e in ok(mlflow_app.post(f"{P}/experiments/search", json={}))["experiments"]
    ] == ["Default"]
    ok(mlflow_app.post(f"{P}/experiments/restore", json={"experiment_id": exp}))
    assert (
        ok(mlflow_app.get(f"{P}/experiments/get", params={"experiment_id": exp}))["experiment"][
            "lifecycle_stage"
        ]
        == "active"
    )


def _names(c: TestClient, order_by: list[str], size: int, flt: str = "") -> list[str]:
    """Every page of a search, followed by its page tokens."""
    names: list[str] = []
    token = None
    while True:
        body = {"experiment_ids": ["0"], "order_by": order_by, "max_results": size, "filter": flt}
        page = ok(
            c.post(f"{P}/runs/search", json={**body, **({"page_token": token} if token else {})})
        )
        names += [r["info"]["run_name"] for r in page["runs"]]
        token = page.get("next_page_token")
        if not token:
            return names


def test_search_runs_orders_in_byte_order_with_missing_values_last_on_every_page(
    mlflow_app: TestClient,
) -> None:
    # (name, start_time, team tag, auc metric): byte order puts "B" before "a"
    for name, start, team, auc in [
        ("r0", 10, "a", 0.5),
        ("r1", 20, "B", None),
        ("r2", 30, None, 0.9),
        ("r3", 40, "b", 0.9),
        ("r4", 50, "a", None),
    ]:
        body = {"experiment_id": "0", "start_time": start, "run_name": name}
        run = ok(mlflow_app.post(f"{P}/runs/create", json=body))["run"]["info"]["run_id"]
        batch: dict[str, Any] = {"run_id": run, "metrics": [], "tags": []}
        if team is not None:
            batch["tags"].append({"key": "team", "value": team})
        if auc is not None:
            batch["metrics"].append({"key": "auc", "value": auc, "timestamp": 1, "step": 0})
        ok(mlflow_app.post(f"{P}/runs/log-batch", json=batch))
    for size in (1000, 2, 1):
        assert _names(mlflow_app, [], size) == ["r4", "r3", "r2", "r1", "r0"]
        assert _names(mlflow_app, ["tags.team"], size) == ["r1", "r4", "r0", "r3", "r2"]
        assert _names(mlflow_app, ["tags.team DESC"], size) == ["r3", "r4", "r0", "r1", "r2"]
        assert _names(mlflow_app, ["metrics.auc DESC"], size) == ["r3", "r2", "r0", "r4", "r1"]
        assert _names(mlflow_app, ["metrics.auc", "attributes.run_name DESC"], size) == [
            "r0",
            "r3",
            "r2",
            "r4",
            "r1",
        ]
        assert _names(mlflow_app, ["start_time"], size, "metrics.auc >= 0.5") == ["r0", "r2", "r3"]
        # ordered by the property the filter reads (its index walked in order); ties
        # on it still go by start_time DESC
        by_auc = _names(mlflow_app, ["metrics.auc DESC"], size, "metrics.auc >= 0.5")
        assert by_auc == ["r3", "r2", "r0"]
        assert _names(mlflow_app, ["metrics.auc"], size, "metrics.auc > 0.1") == ["r0", "r3", "r2"]
        assert _names(mlflow_app, ["tags.team DESC"], size, "tags.team = 'a'") == ["r4", "r0"]
        flt = "attributes.start_time > 15 AND attributes.status = 'RUNNING' AND tags.team != 'b'"
        assert _names(mlflow_app, ["tags.team"], size, flt) == ["r1", "r4"]
    error(
        mlflow_app.post(f"{P}/runs/search", json={"experiment_ids": ["0"], "page_token": "e30="}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
