"""Approvals as records, with authentication on, over REST (the MLflow client's side is
in test_real_clients.py): a protected move refused without an approved request; the
request, a refused self-approval, another approver's approval, the move; "is it
approved" naming the approver and the evidence; archiving or a newer Production
version ending it; withdrawal, rejection and expiry; each step in the audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mlgraph.runtime import Services
from tests.security.conftest import Person

GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,fraud,PROD)"
V1 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_1,PROD)"
V2 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_2,PROD)"
EVAL_RUN = "urn:li:dataProcessInstance:eval-7"
PRODUCTION = {"tags": [{"tag": "urn:li:tag:mlflow_production"}]}
ARCHIVED = {"tags": [{"tag": "urn:li:tag:mlflow_archived"}]}


def _aspect(urn: str, aspect: str) -> str:
    return f"/api/v1/entities/{quote(urn, safe='')}/aspects/{aspect}"


def _put(app: TestClient, who: Person, urn: str, aspect: str, value: dict[str, Any]) -> Any:
    return app.put(_aspect(urn, aspect), json=value, headers=who.bearer)


@pytest.fixture
def versions(app: TestClient, people: dict[str, Person]) -> None:
    """eve registers two versions of the fraud model; she owns them."""
    eve = people["eve"]
    owners = {"owners": [{"owner": eve.urn, "type": "TECHNICAL_OWNER"}]}
    assert _put(app, eve, GROUP, "mlModelGroupProperties", {"name": "fraud"}).status_code == 200
    assert _put(app, eve, GROUP, "ownership", owners).status_code == 200
    for v in (V1, V2):
        props = {"name": v.split(",")[1], "groups": [GROUP]}
        assert _put(app, eve, v, "mlModelProperties", props).status_code == 200
        assert _put(app, eve, v, "ownership", owners).status_code == 200


def _request(app: TestClient, who: Person, model: str, **extra: Any) -> Any:
    body = {
        "model": model,
        "target": "stage:Production",
        "evidence": [
            {"label": "evaluation run", "link": EVAL_RUN},
            {"label": "model card", "link": "https://example.com/cards/fraud"},
        ],
        "comment": "beats v0 on val_auc",
        **extra,
    }
    return app.post("/api/v1/approvals", json=body, headers=who.bearer)


def _approval(app: TestClient, who: Person, model: str) -> dict[str, Any]:
    r = app.get(f"/api/v1/approval/{quote(model, safe='')}", headers=who.bearer)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.usefixtures("versions")
def test_the_approval_flow_end_to_end(
    app: TestClient, people: dict[str, Person], secured: Services
) -> None:
    eve, april, ada = people["eve"], people["april"], people["ada"]
    # A direct move into Production is refused, and says what to do.
    direct = _put(app, eve, V1, "globalTags", PRODUCTION)
    assert direct.status_code == 403
    err = direct.json()["error"]
    assert "approval required" in err["message"] and "mlgraph approvals request" in err["message"]
    assert err["details"]["permission"] == "approval"
    assert app.get(_aspect(V1, "globalTags"), headers=eve.bearer).status_code == 404
    assert _approval(app, eve, V1)["approved"] is False

    made = _request(app, eve, V1)
    assert made.status_code == 200, made.text
    req = made.json()
    assert req["state"] == "pending" and req["requester"] == eve.urn
    assert [e["link"] for e in req["evidence"]] == [EVAL_RUN, "https://example.com/cards/fraud"]
    # A second open request for the same move is a conflict.
    assert _request(app, eve, V1).status_code == 409

    rid = req["id"]
    # eve is no approver; april is, but a requester may never decide her own request —
    # not even an admin.
    refused = app.post(f"/api/v1/approvals/{rid}/approve", json={}, headers=eve.bearer)
    assert refused.status_code == 403
    assert "`approve`" in refused.json()["error"]["message"]
    own = _request(app, ada, V2)
    assert own.status_code == 200
    self_approval = app.post(
        f"/api/v1/approvals/{own.json()['id']}/approve", json={}, headers=ada.bearer
    )
    assert self_approval.status_code == 403
    assert "segregation of duties" in self_approval.json()["error"]["message"]

    ok = app.post(
        f"/api/v1/approvals/{rid}/approve", json={"comment": "validated"}, headers=april.bearer
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "approved" and ok.json()["decided_by"] == april.urn
    # Still pending decisions cannot be made twice.
    again = app.post(f"/api/v1/approvals/{rid}/reject", json={}, headers=ada.bearer)
    assert again.status_code == 409

    moved = _put(app, eve, V1, "globalTags", PRODUCTION)
    assert moved.status_code == 200, moved.text
    answer = _approval(app, eve, V1)
    assert answer["approved"] is True, answer
    assert answer["approval"]["decided_by"] == april.urn
    assert answer["approval"]["requester"] == eve.urn
    assert answer["approval"]["evidence"][0]["link"] == EVAL_RUN
    assert answer["approval"]["applied_at"] is not None

    # The approval was used: leaving and coming back takes a new one.
    assert _put(app, eve, V1, "globalTags", ARCHIVED).status_code == 200
    archived = _approval(app, eve, V1)
    assert archived["approved"] is False
    assert archived["reasons"] == ["Archived: it may no longer be deployed"]
    assert _put(app, eve, V1, "globalTags", PRODUCTION).status_code == 403

    kinds = [
        e["kind"]
        for e in app.get(
            "/api/v1/audit",
            params={"urn": V1, "kind": ",".join(_APPROVAL_KINDS)},
            headers=ada.bearer,
        ).json()["entries"]
    ]
    assert kinds == [
        "permission_denied",
        "approval_requested",
        "permission_denied",
        "approval_approved",
        "approval_applied",
        "permission_denied",
    ]


_APPROVAL_KINDS = (
    "permission_denied",
    "approval_requested",
    "approval_approved",
    "approval_rejected",
    "approval_withdrawn",
    "approval_applied",
)


@pytest.mark.usefixtures("versions")
def test_a_newer_production_version_supersedes_the_old_approval(
    app: TestClient, people: dict[str, Person]
) -> None:
    eve, april = people["eve"], people["april"]
    for v in (V1, V2):
        rid = _request(app, eve, v).json()["id"]
        assert app.post(
            f"/api/v1/approvals/{rid}/approve", json={}, headers=april.bearer
        ).is_success
        assert _put(app, eve, v, "globalTags", PRODUCTION).status_code == 200
    old, new = _approval(app, eve, V1), _approval(app, eve, V2)
    assert new["approved"] is True
    assert old["approved"] is False
    assert any(r.startswith(f"superseded by {V2}") for r in old["reasons"])


@pytest.mark.usefixtures("versions")
def test_protected_aliases_and_a_groups_own_targets(
    app: TestClient, people: dict[str, Person]
) -> None:
    eve = people["eve"]
    champion = {
        "versionSet": "urn:li:versionSet:(fraud,mlModel)",
        "version": {"versionTag": "1"},
        "sortId": "1",
        "aliases": [{"versionTag": "champion"}],
    }
    assert _put(app, eve, V1, "versionProperties", champion).status_code == 403
    # Staging is not protected by default: no request is needed, and none is accepted.
    staging = {"tags": [{"tag": "urn:li:tag:mlflow_staging"}]}
    assert _put(app, eve, V1, "globalTags", staging).status_code == 200
    assert _request(app, eve, V1, target="stage:Staging").status_code == 422
    # The group protects Staging too, and no alias.
    props = {
        "name": "fraud",
        "customProperties": {
            "mlgraph.protected_stages": "Staging,Production",
            "mlgraph.protected_aliases": "",
        },
    }
    assert _put(app, eve, GROUP, "mlModelGroupProperties", props).status_code == 200
    assert _put(app, eve, V2, "globalTags", staging).status_code == 403
    assert _put(app, eve, V2, "versionProperties", champion).status_code == 200


@pytest.mark.usefixtures("versions")
def test_withdraw_reject_and_expiry(
    app: TestClient, people: dict[str, Person], secured: Services
) -> None:
    eve, ed, april = people["eve"], people["ed"], people["april"]
    rid = _request(app, eve, V1).json()["id"]
    # Only the requester (or an admin) withdraws.
    assert (
        app.post(f"/api/v1/approvals/{rid}/withdraw", json={}, headers=ed.bearer).status_code == 403
    )
    gone = app.post(f"/api/v1/approvals/{rid}/withdraw", json={}, headers=eve.bearer)
    assert gone.json()["state"] == "withdrawn"
    assert (
        app.post(f"/api/v1/approvals/{rid}/approve", json={}, headers=april.bearer).status_code
        == 409
    )

    rid = _request(app, eve, V1).json()["id"]
    no = app.post(
        f"/api/v1/approvals/{rid}/reject", json={"comment": "no drift report"}, headers=april.bearer
    )
    assert no.json()["state"] == "rejected" and no.json()["decision_comment"] == "no drift report"
    assert _put(app, eve, V1, "globalTags", PRODUCTION).status_code == 403

    # An approved request nobody used lapses at its expiry.
    rid = _request(app, eve, V1).json()["id"]
    assert app.post(f"/api/v1/approvals/{rid}/approve", json={}, headers=april.bearer).is_success
    with secured.engines.writing() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE approval_requests SET expires_at = 1 WHERE id = :i"), {"i": rid})
    assert app.get(f"/api/v1/approvals/{rid}", headers=eve.bearer).json()["state"] == "expired"
    assert _put(app, eve, V1, "globalTags", PRODUCTION).status_code == 403
    listed = app.get("/api/v1/approvals", params={"state": "expired"}, headers=eve.bearer).json()
    assert [r["id"] for r in listed["requests"]] == [rid]


@pytest.mark.usefixtures("versions")
def test_bad_requests_are_told_what_to_fix(app: TestClient, people: dict[str, Person]) -> None:
    eve, vic = people["eve"], people["vic"]
    cases = [
        ({"model": V1, "target": "stage:Prod"}, 422, "not a target"),
        ({"model": V1, "evidence": "run-1"}, 422, "evidence"),
        ({"model": V1, "evidence": [{"link": "ftp://x"}]}, 422, "neither a URN nor"),
        ({"model": "not a urn"}, 422, "urn"),
        ({"model": GROUP}, 422, "model versions"),
        ({"model": V1, "colour": "red"}, 400, "unknown field"),
        ({"target": "stage:Production"}, 400, "model: required"),
    ]
    for body, status, says in cases:
        r = app.post("/api/v1/approvals", json=body, headers=eve.bearer)
        assert r.status_code == status, (body, r.text)
        assert says.lower() in r.json()["error"]["message"].lower(), (body, r.text)
    # A viewer who owns nothing may not ask.
    assert _request(app, vic, V1).status_code == 403
    assert app.get("/api/v1/approvals/nope", headers=eve.bearer).status_code == 404
    assert (
        app.get("/api/v1/approvals", params={"state": "odd"}, headers=eve.bearer).status_code == 422
    )
