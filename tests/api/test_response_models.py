"""Every REST route documents what it answers, and answers what it documents: each
`/api/v1` and `/health` operation is called here over the demo catalog and its JSON
is checked against the response schema in the app's own OpenAPI description (every
field declared, every required one present, every value of its declared type)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mlgraph.integrations.mlflow.urns import model_group_urn
from tests.demo.conftest import demo, sdk
from tests.security.conftest import app, people, secured

__all__ = ["app", "demo", "people", "sdk", "secured"]

pytestmark = pytest.mark.usefixtures("demo")

CLF_V20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
CLF_V21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)"
ORDERS = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.1,PROD)"
RUN = "urn:li:dataProcessInstance:exp-47b"
MLFLOW = "/api/2.0/mlflow"
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}


def _problems(value: Any, schema: dict[str, Any], spec: dict[str, Any], at: str) -> list[str]:
    """Where `value` departs from an OpenAPI schema (the subset pydantic emits)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        tried = [_problems(value, s, spec, at) for s in schema["anyOf"]]
        return [] if any(not t for t in tried) else [p for t in tried for p in t]
    kind = schema.get("type")
    if kind is None:
        return []  # Any
    if not isinstance(value, JSON_TYPES[kind]) or (kind != "boolean" and isinstance(value, bool)):
        return [f"{at}: {type(value).__name__} is not {kind}"]
    if kind == "array":
        return [
            p
            for i, v in enumerate(value)
            for p in _problems(v, schema["items"], spec, f"{at}[{i}]")
        ]
    if kind != "object":
        return []
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", not props)
    out = [f"{at}: no {k!r}" for k in schema.get("required", []) if k not in value]
    for k, v in value.items():
        if k in props:
            out += _problems(v, props[k], spec, f"{at}.{k}")
        elif isinstance(extra, dict):
            out += _problems(v, extra, spec, f"{at}.{k}")
        elif not extra:
            out.append(f"{at}: {k!r} is not declared")
    return out


def _registry_events(client: TestClient) -> None:
    """A model version with a stage move and an alias, through MLflow's API."""
    run = client.post(f"{MLFLOW}/runs/create", json={"experiment_id": "0", "start_time": 1})
    run_id = run.json()["run"]["info"]["run_id"]
    calls = [
        ("registered-models/create", {"name": "m"}),
        ("model-versions/create", {"name": "m", "source": f"runs:/{run_id}/m", "run_id": run_id}),
        (
            "model-versions/transition-stage",
            {"name": "m", "version": "1", "stage": "staging", "archive_existing_versions": False},
        ),
        ("registered-models/alias", {"name": "m", "alias": "champion", "version": "1"}),
    ]
    for path, body in calls:
        r = client.post(f"{MLFLOW}/{path}", json=body)
        assert r.status_code == 200, r.text


def _calls(client: TestClient) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, route template, path, request keywords): one call of every route."""
    q = lambda urn: quote(urn, safe="")  # noqa: E731
    entity = f"/api/v1/entities/{q(RUN)}"
    aspect = f"{entity}/aspects/dataProcessInstanceProperties"
    points = {
        "points": [
            {"key": "loss", "value": v, "timestamp": 5, "step": i}
            for i, v in enumerate([0.5, "NaN"])
        ]
    }
    written = client.post(
        "/api/v1/proposals",
        json={
            "proposals": [
                {
                    "op": "append_metrics",
                    "urn": RUN,
                    "aspect": "mlTrainingRunProperties",
                    "value": points,
                }
            ]
        },
    )
    assert written.status_code == 200, written.text
    _registry_events(client)
    tag = f"/api/v1/entities/{q('urn:li:tag:scratch')}"
    return [
        ("get", "/health", "/health", {}),
        ("get", "/api/v1/stats", "/api/v1/stats", {}),
        ("get", "/api/v1/model", "/api/v1/model", {}),
        ("get", "/api/v1/search", "/api/v1/search", {"params": {"q": "fraud", "limit": 2}}),
        ("get", "/api/v1/entities", "/api/v1/entities", {"params": {"limit": 2}}),
        ("get", "/api/v1/entities/{urn}", entity, {}),
        ("get", "/api/v1/entities/{urn}/aspects/{aspect}", aspect, {}),
        ("get", "/api/v1/entities/{urn}/aspects/{aspect}/history", f"{aspect}/history", {}),
        (
            "patch",
            "/api/v1/entities/{urn}/aspects/{aspect}",
            aspect,
            {"json": [{"op": "add", "path": "/externalUrl", "value": "https://x"}]},
        ),
        (
            "get",
            "/api/v1/entities/{urn}/aspects/{aspect}/diff",
            f"{aspect}/diff",
            {"params": {"from": 1, "to": 2}},
        ),
        (
            "get",
            "/api/v1/entities/{urn}/metrics/{key}/history",
            f"{entity}/metrics/loss/history",
            {"params": {"limit": 1}},
        ),
        ("get", "/api/v1/entities/{urn}/relationships", f"{entity}/relationships", {}),
        (
            "put",
            "/api/v1/entities/{urn}/aspects/{aspect}",
            f"{tag}/aspects/tagProperties",
            {"json": {"name": "scratch"}},
        ),
        ("delete", "/api/v1/entities/{urn}/aspects/{aspect}", f"{tag}/aspects/tagProperties", {}),
        ("delete", "/api/v1/entities/{urn}", tag, {}),
        ("post", "/api/v1/entities/{urn}/restore", f"{tag}/restore", {}),
        (
            "post",
            "/api/v1/proposals",
            "/api/v1/proposals",
            {
                "json": {
                    "proposals": [
                        {
                            "urn": "urn:li:tag:other",
                            "aspect": "tagProperties",
                            "value": {"name": "o"},
                        }
                    ]
                }
            },
        ),
        (
            "get",
            "/api/v1/lineage/{urn}",
            f"/api/v1/lineage/{q(CLF_V21)}",
            {"params": {"limit": 1, "direction": "both"}},
        ),
        ("get", "/api/v1/training-data/{urn}", f"/api/v1/training-data/{q(CLF_V21)}", {}),
        ("get", "/api/v1/impact/{urn}", f"/api/v1/impact/{q(ORDERS)}", {}),
        ("get", "/api/v1/endpoints/{urn}", f"/api/v1/endpoints/{q(GROUP)}", {}),
        ("get", "/api/v1/ancestry/{urn}", f"/api/v1/ancestry/{q(CLF_V21)}", {}),
        ("get", "/api/v1/approval/{urn}", f"/api/v1/approval/{q(CLF_V20)}", {}),
        ("get", "/api/v1/compare", "/api/v1/compare", {"params": {"a": CLF_V20, "b": CLF_V21}}),
        (
            "get",
            "/api/v1/models/{urn}/registry-history",
            f"/api/v1/models/{q(model_group_urn('m'))}/registry-history",
            {},
        ),
    ]


def _approval_calls(client: TestClient) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The approval and audit routes (with authentication off, people are named)."""
    rzeng = {"X-Mlgraph-Actor": "urn:li:corpuser:rzeng"}
    okafor = {"X-Mlgraph-Actor": "urn:li:corpuser:mokafor"}

    def opened(model: str, target: str) -> str:
        body = {"model": model, "target": target, "evidence": [RUN]}
        r = client.post("/api/v1/approvals", json=body, headers=rzeng)
        assert r.status_code == 200, r.text
        rid: str = r.json()["id"]
        return rid

    first = opened(CLF_V21, "alias:champion")
    second = opened(CLF_V20, "stage:Production")
    third = opened(CLF_V20, "alias:champion")
    return [
        ("get", "/api/v1/approvals", "/api/v1/approvals", {"params": {"state": "pending"}}),
        ("get", "/api/v1/approvals/{request_id}", f"/api/v1/approvals/{first}", {}),
        (
            "post",
            "/api/v1/approvals/{request_id}/approve",
            f"/api/v1/approvals/{first}/approve",
            {"json": {"comment": "ok"}, "headers": okafor},
        ),
        (
            "post",
            "/api/v1/approvals/{request_id}/reject",
            f"/api/v1/approvals/{second}/reject",
            {"json": {}, "headers": okafor},
        ),
        (
            "post",
            "/api/v1/approvals/{request_id}/withdraw",
            f"/api/v1/approvals/{third}/withdraw",
            {"json": {}, "headers": rzeng},
        ),
        (
            "post",
            "/api/v1/approvals",
            "/api/v1/approvals",
            {"json": {"model": CLF_V20, "target": "alias:champion"}, "headers": rzeng},
        ),
        ("get", "/api/v1/audit", "/api/v1/audit", {"params": {"limit": 5}}),
    ]


def _identity_calls(
    app: TestClient, people: dict[str, Any]
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The identity routes, which answer only with authentication on."""
    admin = people["ada"].bearer
    made = app.post("/api/v1/tokens", json={"name": "spare"}, headers=admin)
    assert made.status_code == 200, made.text
    spare = made.json()["token"]["id"]
    user = {"username": "newbie", "password": "a long enough password", "roles": ["editor"]}
    return [
        ("get", "/api/v1/me", "/api/v1/me", {"headers": admin}),
        ("post", "/api/v1/tokens", "/api/v1/tokens", {"json": {"name": "ci"}, "headers": admin}),
        ("get", "/api/v1/tokens", "/api/v1/tokens", {"params": {"all": "true"}, "headers": admin}),
        ("delete", "/api/v1/tokens/{token_id}", f"/api/v1/tokens/{spare}", {"headers": admin}),
        ("get", "/api/v1/users", "/api/v1/users", {"headers": admin}),
        ("post", "/api/v1/users", "/api/v1/users", {"json": user, "headers": admin}),
        (
            "put",
            "/api/v1/roles",
            "/api/v1/roles",
            {"json": {"principal": people["vic"].urn, "roles": ["editor"]}, "headers": admin},
        ),
    ]


def _documented(client: TestClient) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    spec: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    documented = {
        (method, path)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/v1") or path == "/health"
        for method in ops
    }
    return spec, documented


def _check(
    client: TestClient, spec: dict[str, Any], calls: list[tuple[str, str, str, dict[str, Any]]]
) -> None:
    problems: list[str] = []
    for method, template, path, kwargs in calls:
        r = client.request(method.upper(), path, **kwargs)
        assert r.status_code == 200, f"{method} {path}: {r.text[:300]}"
        schema = spec["paths"][template][method]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        assert schema.get("$ref"), f"{method} {template} documents no response model"
        problems += _problems(r.json(), schema, spec, f"{method.upper()} {template}")
    assert problems == []


def test_every_route_answers_the_shape_it_documents(
    client: TestClient, app: TestClient, people: dict[str, Any]
) -> None:
    spec, documented = _documented(client)
    calls = _calls(client) + _approval_calls(client)
    identity = _identity_calls(app, people)
    assert {(m, t) for m, t, _, _ in [*calls, *identity]} == documented
    _check(client, spec, calls)
    _check(app, spec, identity)


def test_the_check_sees_an_undeclared_a_missing_and_a_mistyped_field(client: TestClient) -> None:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    ref = {"$ref": "#/components/schemas/WriteResult"}
    good = {
        "op": "upsert",
        "urn": "urn:li:tag:x",
        "aspect": "tagProperties",
        "version": 1,
        "changed": True,
    }
    assert _problems(good, ref, spec, "r") == []
    assert _problems({**good, "extra": 1}, ref, spec, "r") == ["r: 'extra' is not declared"]
    assert _problems({k: v for k, v in good.items() if k != "op"}, ref, spec, "r") == ["r: no 'op'"]
    assert _problems({**good, "version": "1"}, ref, spec, "r") == [
        "r.version: str is not integer",
        "r.version: str is not null",
    ]


def test_health_answers_the_same_bytes_through_its_model(client: TestClient) -> None:
    from mlgraph import __version__

    assert client.get("/health").content == b'{"status":"ok","version":"%s"}' % __version__.encode()
