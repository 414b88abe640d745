"""The audit log: every write and security event recorded with who, which token, which
door and address; queryable by actor, entity, kind and time; exported as JSON Lines and
CSV; append-only in the database itself; kept when an entity is hard-deleted; readable
by admins only."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mlgraph.runtime import Services
from tests.security.conftest import PASSWORD, Person

TAG = "urn:li:tag:audited"


def _aspect(urn: str, aspect: str) -> str:
    return f"/api/v1/entities/{quote(urn, safe='')}/aspects/{aspect}"


def _entries(app: TestClient, admin: Person, **params: object) -> list[dict[str, object]]:
    r = app.get("/api/v1/audit", params={"limit": 1000, **params}, headers=admin.bearer)
    assert r.status_code == 200, r.text
    entries: list[dict[str, object]] = r.json()["entries"]
    return entries


def test_writes_and_security_events_are_recorded(
    app: TestClient, people: dict[str, Person], secured: Services
) -> None:
    ada, eve, vic = people["ada"], people["eve"], people["vic"]
    assert app.put(_aspect(TAG, "tagProperties"), json={"name": "a"}, headers=eve.bearer).is_success
    assert app.put(_aspect(TAG, "tagProperties"), json={"name": "b"}, headers=eve.bearer).is_success
    refused = app.put(_aspect(TAG, "tagProperties"), json={"name": "c"}, headers=vic.bearer)
    assert refused.status_code == 403
    wrong = app.get("/api/v1/me", auth=("eve", "not the password at all"))
    assert wrong.status_code == 401
    made = app.post("/api/v1/tokens", json={"name": "ci"}, headers=eve.bearer).json()
    assert app.delete(f"/api/v1/tokens/{made['token']['id']}", headers=eve.bearer).is_success

    writes = _entries(app, ada, urn=TAG, kind="write")
    assert [(e["actor"], e["aspect"], e["version_before"], e["version_after"]) for e in writes] == [
        (eve.urn, "tagProperties", None, 1),
        (eve.urn, "tagProperties", 1, 2),
    ]
    eve_token = secured.identity.tokens(eve.urn)[0].id
    assert {(e["door"], e["token_id"], e["address"]) for e in writes} == {
        ("rest", eve_token, "testclient")
    }
    denied = _entries(app, ada, actor=vic.urn, kind="permission_denied")
    assert len(denied) == 1 and denied[0]["urn"] == TAG
    assert denied[0]["detail"]["permission"] == "edit"  # type: ignore[index]
    failed = _entries(app, ada, kind="sign_in_failed")
    assert [(e["actor"], e["detail"]) for e in failed] == [
        (eve.urn, {"reason": "wrong user name or password"})
    ]
    tokens = _entries(app, ada, actor=eve.urn, kind="token_created,token_revoked")
    assert [e["kind"] for e in tokens][-2:] == ["token_created", "token_revoked"]
    # Nothing secret is in the log: no password, no token.
    everything = app.get("/api/v1/audit", params={"format": "jsonl"}, headers=ada.bearer).text
    assert PASSWORD not in everything and "not the password" not in everything
    assert made["secret"] not in everything and eve.token not in everything


def test_filters_by_time_and_pages_with_a_cursor(
    app: TestClient, people: dict[str, Person]
) -> None:
    ada, eve = people["ada"], people["eve"]
    for i in range(5):
        body = {"name": f"n{i}"}
        assert app.put(_aspect(TAG, "tagProperties"), json=body, headers=eve.bearer).is_success
    all_five = _entries(app, ada, urn=TAG)
    assert len(all_five) == 5
    first = app.get("/api/v1/audit", params={"urn": TAG, "limit": 2}, headers=ada.bearer).json()
    assert len(first["entries"]) == 2 and first["next"] == first["entries"][-1]["id"]
    rest = _entries(app, ada, urn=TAG, after=first["next"])
    assert [e["id"] for e in first["entries"] + rest] == [e["id"] for e in all_five]
    last = int(str(all_five[-1]["at"]))
    assert len(_entries(app, ada, urn=TAG, since=last)) >= 1
    assert _entries(app, ada, urn=TAG, until=int(str(all_five[0]["at"]))) == []


def test_exports_as_json_lines_and_csv(app: TestClient, people: dict[str, Person]) -> None:
    ada, eve = people["ada"], people["eve"]
    assert app.put(_aspect(TAG, "tagProperties"), json={"name": "x"}, headers=eve.bearer).is_success
    lines = app.get("/api/v1/audit", params={"urn": TAG, "format": "jsonl"}, headers=ada.bearer)
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    assert [(r["kind"], r["urn"], r["actor"]) for r in rows] == [("write", TAG, eve.urn)]
    table = app.get("/api/v1/audit", params={"urn": TAG, "format": "csv"}, headers=ada.bearer)
    assert table.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(table.text)))
    assert [(r["kind"], r["urn"], r["version_after"]) for r in parsed] == [("write", TAG, "1")]


def test_kept_on_hard_delete_and_append_only(
    app: TestClient, people: dict[str, Person], secured: Services
) -> None:
    ada, eve = people["ada"], people["eve"]
    assert app.put(_aspect(TAG, "tagProperties"), json={"name": "x"}, headers=eve.bearer).is_success
    gone = app.delete(f"/api/v1/entities/{quote(TAG, safe='')}?hard=true", headers=ada.bearer)
    assert gone.status_code == 200, gone.text
    kinds = [e["kind"] for e in _entries(app, ada, urn=TAG)]
    assert kinds == ["write", "hard_delete"]
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), secured.engines.writing() as conn:
            conn.execute(text(statement))
    assert len(_entries(app, ada, urn=TAG)) == 2


def test_only_admins_read_it_and_bad_queries_are_explained(
    app: TestClient, people: dict[str, Person]
) -> None:
    ada, eve = people["ada"], people["eve"]
    refused = app.get("/api/v1/audit", headers=eve.bearer)
    assert refused.status_code == 403 and "`audit`" in refused.json()["error"]["message"]
    for params, says in (
        ({"kind": "burglary"}, "unknown burglary"),
        ({"limit": 0}, "limit"),
        ({"since": -1}, "since"),
        ({"format": "xml"}, "format"),
    ):
        r = app.get("/api/v1/audit", params=params, headers=ada.bearer)
        assert r.status_code == 422, (params, r.text)
        assert says in r.text, (params, r.text)
