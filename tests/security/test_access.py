"""Authentication and access control through every door of the in-process app, with
authentication on: who may read, create, change and hard-delete, and the refusal each
door gives (its own error shape, the missing permission named, nothing written)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services, build_services
from tests.security.conftest import PASSWORD, TEAM, Person

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud-v1,PROD)"
OTHER = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn-v1,PROD)"
TAG = "urn:li:tag:pii"


def _aspect(urn: str, aspect: str) -> str:
    return f"/api/v1/entities/{quote(urn, safe='')}/aspects/{aspect}"


def _basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _own(app: TestClient, by: Person, urn: str, owner: str) -> None:
    """`by` creates `urn` owned by `owner`."""
    r = app.put(
        _aspect(urn, "ownership"),
        json={"owners": [{"owner": owner, "type": "TECHNICAL_OWNER"}]},
        headers=by.bearer,
    )
    assert r.status_code == 200, r.text


def test_no_credentials_get_401_in_each_doors_shape(app: TestClient) -> None:
    rest = app.get("/api/v1/entities")
    assert rest.status_code == 401
    assert rest.json()["error"]["code"] == "unauthorized"
    assert "Bearer" in rest.json()["error"]["message"]
    assert rest.headers["www-authenticate"].startswith("Basic")

    mlflow = app.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": "x"})
    assert mlflow.status_code == 401
    assert mlflow.json()["error_code"] == "UNAUTHENTICATED"

    graphql = app.post("/api/graphql", json={"query": "{ __typename }"})
    assert graphql.status_code == 401
    assert graphql.json()["errors"][0]["extensions"]["code"] == "unauthorized"

    datahub = app.post("/aspects?action=ingestProposal", json={"proposal": {}})
    assert datahub.status_code == 401
    assert datahub.json()["exceptionClass"].endswith("RestLiServiceException")

    # A browser asking for a page is sent to sign in, and back afterwards.
    page = app.get("/search?q=x", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/search%3Fq%3Dx"
    assert "www-authenticate" not in page.headers  # no browser password prompt
    signin = app.get(page.headers["location"])
    assert signin.status_code == 200 and 'id="signin"' in signin.text

    assert app.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("Bearer", "must be `Bearer <token>`"),
        ("Bearer not-a-token", "not an mlgraph token"),
        ("Bearer mlgp_" + "A" * 43, "not known"),
        ("Basic !!!", "not valid base64"),
        ("Basic " + base64.b64encode(b"ada").decode(), "no password"),
        ("Digest abc", "must be `Bearer <token>`"),
        ("Bearer " + "x" * 5000, "longer than 4096"),
    ],
)
def test_malformed_credentials_get_a_clear_401(
    app: TestClient, people: dict[str, Person], header: str, says: str
) -> None:
    r = app.get("/api/v1/entities", headers={"Authorization": header})
    assert r.status_code == 401, r.text
    assert says in r.json()["error"]["message"]


def test_wrong_password_and_unknown_user_read_the_same(
    app: TestClient, people: dict[str, Person]
) -> None:
    wrong = app.get("/api/v1/entities", headers=_basic("ada", "not the password at all"))
    nobody = app.get("/api/v1/entities", headers=_basic("nobody", PASSWORD))
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()
    assert app.get("/api/v1/entities", headers=_basic("ada", PASSWORD)).status_code == 200


def test_a_viewer_reads_but_its_write_is_refused_and_nothing_written(
    app: TestClient, people: dict[str, Person]
) -> None:
    vic = people["vic"]
    assert app.get("/api/v1/entities", headers=vic.bearer).status_code == 200
    r = app.put(_aspect(TAG, "tagProperties"), json={"name": "pii"}, headers=vic.bearer)
    assert r.status_code == 403, r.text
    error = r.json()["error"]
    assert error["code"] == "forbidden"
    assert error["details"]["permission"] == "create"
    assert "urn:li:corpuser:vic (roles: viewer) lacks `create`" in error["message"]
    assert app.get(_aspect(TAG, "tagProperties"), headers=vic.bearer).status_code == 404


def test_an_editor_creates_and_an_owner_edits_but_not_another_teams_model(
    app: TestClient, people: dict[str, Person]
) -> None:
    eve, ed = people["eve"], people["ed"]
    _own(app, eve, MODEL, TEAM)  # eve's team owns it
    _own(app, ed, OTHER, ed.urn)  # ed owns this one
    props = {"description": "scores card payments"}
    assert (
        app.put(_aspect(MODEL, "mlModelProperties"), json=props, headers=eve.bearer).status_code
        == 200
    )
    refused = app.put(_aspect(OTHER, "mlModelProperties"), json=props, headers=eve.bearer)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {
        "permission": "edit",
        "principal": eve.urn,
        "urn": OTHER,
    }
    assert "only its owners (urn:li:corpuser:ed)" in refused.json()["error"]["message"]
    assert app.get(_aspect(OTHER, "mlModelProperties"), headers=ed.bearer).status_code == 404
    # a batch that would make eve an owner of ed's model is judged by what is stored
    batch = {
        "proposals": [
            {
                "urn": OTHER,
                "aspect": "ownership",
                "value": {"owners": [{"owner": eve.urn, "type": "TECHNICAL_OWNER"}]},
            },
            {"urn": OTHER, "aspect": "mlModelProperties", "value": props},
        ]
    }
    assert app.post("/api/v1/proposals", json=batch, headers=eve.bearer).status_code == 403
    # the admin may change anything
    assert (
        app.put(
            _aspect(OTHER, "mlModelProperties"), json=props, headers=people["ada"].bearer
        ).status_code
        == 200
    )


def test_domain_owners_may_edit_what_is_in_their_domain(
    app: TestClient, people: dict[str, Person]
) -> None:
    eve, ed = people["eve"], people["ed"]
    domain = "urn:li:domain:payments"
    _own(app, ed, domain, ed.urn)
    _own(app, eve, MODEL, eve.urn)
    assert (
        app.put(
            _aspect(MODEL, "domains"), json={"domains": [domain]}, headers=eve.bearer
        ).status_code
        == 200
    )
    props = {"description": "ed edits through the domain"}
    assert (
        app.put(_aspect(MODEL, "mlModelProperties"), json=props, headers=ed.bearer).status_code
        == 200
    )


def test_only_admins_hard_delete(app: TestClient, people: dict[str, Person]) -> None:
    eve = people["eve"]
    _own(app, eve, MODEL, eve.urn)
    url = f"/api/v1/entities/{quote(MODEL, safe='')}"
    refused = app.delete(url, params={"hard": "true"}, headers=eve.bearer)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["permission"] == "hard_delete"
    assert app.get(url, headers=eve.bearer).status_code == 200
    assert app.delete(url, params={"hard": "true"}, headers=people["ada"].bearer).status_code == 200
    assert app.get(url, headers=eve.bearer).status_code == 404


def test_x_mlgraph_actor_cannot_override_the_signed_in_user(
    app: TestClient, people: dict[str, Person]
) -> None:
    eve = people["eve"]
    url = _aspect(TAG, "tagProperties")
    spoof = app.put(
        url, json={"name": "pii"}, headers={**eve.bearer, "X-Mlgraph-Actor": people["ada"].urn}
    )
    assert spoof.status_code == 403
    assert "signed in as urn:li:corpuser:eve" in spoof.json()["error"]["message"]
    same = app.put(url, json={"name": "pii"}, headers={**eve.bearer, "X-Mlgraph-Actor": eve.urn})
    assert same.status_code == 200
    history = app.get(f"{url}/history", headers=eve.bearer).json()
    assert [v["actor"] for v in history["versions"]] == [eve.urn]


def test_tokens_through_the_api_revoked_and_expired_ones_refused(
    app: TestClient, secured: Services, people: dict[str, Person]
) -> None:
    eve = people["eve"]
    made = app.post("/api/v1/tokens", json={"name": "ci", "days": 7}, headers=eve.bearer)
    assert made.status_code == 200, made.text
    secret, token_id = made.json()["secret"], made.json()["token"]["id"]
    mine = {"Authorization": f"Bearer {secret}"}
    assert app.get("/api/v1/me", headers=mine).json()["token_id"] == token_id
    listed = app.get("/api/v1/tokens", headers=eve.bearer).json()["tokens"]
    assert {t["id"] for t in listed} >= {token_id}
    assert secret not in str(listed)
    # eve may not list everybody's, nor revoke ed's
    assert app.get("/api/v1/tokens", params={"all": "true"}, headers=eve.bearer).status_code == 403
    ed_token = app.get("/api/v1/tokens", headers=people["ed"].bearer).json()["tokens"][0]["id"]
    assert app.delete(f"/api/v1/tokens/{ed_token}", headers=eve.bearer).status_code == 404

    assert app.delete(f"/api/v1/tokens/{token_id}", headers=eve.bearer).status_code == 200
    revoked = app.get("/api/v1/entities", headers=mine)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["error"]["message"]

    old = secured.identity.create_token(eve.urn, "old", days=1)
    with secured.engines.writing() as conn:
        conn.execute(
            text("UPDATE api_tokens SET expires_at = 1 WHERE id = :id"), {"id": old.token.id}
        )
    expired = app.get("/api/v1/entities", headers={"Authorization": f"Bearer {old.secret}"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]

    too_long = app.post("/api/v1/tokens", json={"name": "x", "days": 10_000}, headers=eve.bearer)
    assert too_long.status_code == 422
    assert "1 to 365 days" in too_long.json()["error"]["message"]


def test_only_admins_manage_users_and_roles(app: TestClient, people: dict[str, Person]) -> None:
    body = {"username": "newbie", "password": "a long enough password", "roles": ["editor"]}
    refused = app.post("/api/v1/users", json=body, headers=people["eve"].bearer)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["permission"] == "manage_users"
    made = app.post("/api/v1/users", json=body, headers=people["ada"].bearer)
    assert made.status_code == 200, made.text
    assert made.json()["users"][0]["roles"] == ["editor"]
    newbie = _basic("newbie", "a long enough password")
    assert app.get("/api/v1/me", headers=newbie).json()["roles"] == ["editor"]
    grant = {"principal": TEAM, "roles": ["approver"]}
    assert app.put("/api/v1/roles", json=grant, headers=people["eve"].bearer).status_code == 403
    assert app.put("/api/v1/roles", json=grant, headers=people["ada"].bearer).status_code == 200
    # eve is in the team, so she holds its role too
    assert app.get("/api/v1/me", headers=people["eve"].bearer).json()["roles"] == [
        "approver",
        "editor",
    ]


def test_secrets_are_stored_only_as_hashes(secured: Services, people: dict[str, Person]) -> None:
    with secured.engines.reading() as conn:
        dump = " ".join(
            str(row)
            for table in ("accounts", "api_tokens", "role_grants", "aspects", "aspect_history")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM accounts"))]
    assert PASSWORD not in dump
    for person in people.values():
        assert person.token not in dump
        assert person.token[5:] not in dump
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_anonymous_reads_when_open_and_anonymous_writes_need_sign_in(
    database_url: str, tmp_path: Path
) -> None:
    assert Settings(auth="on").anonymous_reads is True  # loopback
    assert Settings(auth="on", host="0.0.0.0").anonymous_reads is False
    settings = Settings(environment="test", data_dir=tmp_path, database_url=database_url, auth="on")
    services = build_services(settings)
    try:
        with TestClient(create_app(services=services)) as app:
            assert app.get("/api/v1/entities").status_code == 200
            assert app.get("/api/v1/me").json()["authenticated"] is False
            r = app.put(_aspect(TAG, "tagProperties"), json={"name": "pii"})
            assert r.status_code == 401
            assert "sign in to write" in r.json()["error"]["message"]
            mlflow = app.post("/api/2.0/mlflow/experiments/create", json={"name": "e"})
            assert mlflow.status_code == 401
            assert mlflow.json()["error_code"] == "UNAUTHENTICATED"
            upload = app.put(
                "/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/x.txt", content=b"x"
            )
            assert upload.status_code == 401
            assert not (tmp_path / "artifacts" / "0").exists()
    finally:
        services.close()


def test_production_beyond_loopback_needs_auth_on() -> None:
    with pytest.raises(ValueError, match="MLGRAPH_AUTH=on"):
        Settings(environment="production", host="0.0.0.0")
    assert Settings(environment="production", host="0.0.0.0", auth="on").auth == "on"
