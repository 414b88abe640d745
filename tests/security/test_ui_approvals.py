"""Approvals and the audit log in the web UI, signed in as each of the team: the
pending list, a request's page with its evidence and lineage, approve / reject /
withdraw through forms (segregation of duties holding as over REST), and the audit
page with its filters and exports for admins only."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import page_csrf
from tests.security.conftest import Person
from tests.security.test_approvals import EVAL_RUN, V1, _approval, _request, versions
from tests.security.test_signin import sign_in

pytestmark = pytest.mark.usefixtures("versions")
__all__ = ["versions"]  # the fixture, shared with test_approvals.py


@pytest.fixture
def request_id(app: TestClient, people: dict[str, Person]) -> str:
    made = _request(app, people["eve"], V1)
    assert made.status_code == 200, made.text
    found: str = made.json()["id"]
    return found


def decide(app: TestClient, request_id: str, action: str, comment: str = "") -> Any:
    token = page_csrf(app, f"/approvals/{request_id}")
    return app.post(
        f"/approvals/{request_id}/{action}",
        data={"csrf": token, "comment": comment},
        follow_redirects=False,
    )


def test_an_approver_approves_from_the_requests_page(
    app: TestClient, people: dict[str, Person], request_id: str
) -> None:
    sign_in(app, "april")
    listed = app.get("/approvals").text
    assert f'href="/approvals/{request_id}"' in listed and "fraud_1" in listed

    page = app.get(f"/approvals/{request_id}").text
    assert (
        'id="evidence"' in page and "eval-7" in page and "https://example.com/cards/fraud" in page
    )
    assert "beats v0 on val_auc" in page and 'id="approve"' in page and 'id="reject"' in page
    assert 'id="lineage"' in page

    r = decide(app, request_id, "approve", "checked the evaluation")
    assert r.status_code == 303 and r.headers["location"] == f"/approvals/{request_id}?done=approve"
    after = app.get(r.headers["location"]).text
    assert 'id="state">approved' in after and "checked the evaluation" in after
    assert 'id="approve"' not in after
    got = app.get(f"/api/v1/approvals/{request_id}", headers=people["april"].bearer).json()
    assert got["state"] == "approved" and got["decided_by"] == people["april"].urn
    assert EVAL_RUN in json.dumps(got["evidence"])


def test_the_requester_withdraws_but_cannot_approve_in_the_ui(
    app: TestClient, people: dict[str, Person], request_id: str
) -> None:
    sign_in(app, "eve")
    page = app.get(f"/approvals/{request_id}").text
    assert 'id="approve"' not in page and 'id="withdraw"' in page  # not offered...
    r = decide(app, request_id, "approve")  # ...and refused when forced
    assert r.status_code == 403 and "approver role" in r.text
    assert _approval(app, people["eve"], V1)["pending"][0]["id"] == request_id

    assert decide(app, request_id, "withdraw").status_code == 303
    got = app.get(f"/api/v1/approvals/{request_id}", headers=people["eve"].bearer).json()
    assert got["state"] == "withdrawn"


def test_a_viewer_cannot_decide_and_a_rejection_needs_the_form_token(
    app: TestClient, people: dict[str, Person], request_id: str
) -> None:
    sign_in(app, "vic")
    assert decide(app, request_id, "reject").status_code == 403
    app.cookies.clear()
    sign_in(app, "april")
    forged = app.post(
        f"/approvals/{request_id}/reject", data={"comment": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert decide(app, request_id, "reject", "no holdout evaluation").status_code == 303
    got = app.get(f"/api/v1/approvals/{request_id}", headers=people["april"].bearer).json()
    assert got["state"] == "rejected" and got["decision_comment"] == "no holdout evaluation"


def test_the_audit_page_filters_and_exports_for_admins_only(
    app: TestClient, people: dict[str, Person], request_id: str
) -> None:
    sign_in(app, "april")
    decide(app, request_id, "approve")
    assert app.get("/audit").status_code == 403
    assert app.get("/audit.csv").status_code == 403

    app.cookies.clear()
    sign_in(app, "ada")
    page = app.get("/audit", params={"kind": "approval_approved"}).text
    assert 'id="audit"' in page and "approval_approved" in page and "april" in page
    assert "approval_requested" not in page.split('id="audit"')[1]
    assert app.get("/audit", params={"since": "yesterday"}).status_code == 422

    exported = app.get("/audit.csv", params={"actor": people["april"].urn})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {r["actor"] for r in rows} == {people["april"].urn}
    assert "approval_approved" in {r["kind"] for r in rows}
    assert "sign_in" in {r["kind"] for r in rows}
    lines = app.get("/audit.jsonl", params={"kind": "sign_in"}).text.splitlines()
    assert {json.loads(line)["kind"] for line in lines} == {"sign_in"}
