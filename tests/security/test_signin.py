"""Signing in to the web UI as a browser does: a password form, a session cookie
(HttpOnly, SameSite=Lax), CSRF tokens on every form, sign-out that ends the session
for every copy of the cookie, and the audit log of each step."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mlgraph.api.caller import SESSION_COOKIE
from mlgraph.runtime import Services
from mlgraph.services.audit import AuditKind
from mlgraph.store.audit_store import AuditQuery
from tests.helpers import page_csrf, path
from tests.security.conftest import PASSWORD, Person

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,signin_model,PROD)"


def sign_in(app: TestClient, user: str, password: str = PASSWORD, next: str = "/") -> Any:
    form = {"csrf": page_csrf(app, "/signin"), "username": user, "password": password}
    return app.post("/signin", data={**form, "next": next}, follow_redirects=False)


def set_cookie(response: Any, name: str) -> Any:
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    raise AssertionError(f"no Set-Cookie for {name}")


def edit_description(app: TestClient, text: str, csrf: str | None = None) -> Any:
    page = f"/entity/{quote(MODEL, safe=':,()')}?tab=edit"
    token = page_csrf(app, page) if csrf is None else csrf
    return app.post(
        f"/edit/description/{quote(MODEL, safe=':,()')}",
        data={"value": text, "csrf": token},
        follow_redirects=False,
    )


@pytest.fixture
def model(app: TestClient, people: dict[str, Person]) -> str:
    """A model eve owns."""
    eve = people["eve"]
    body = {"description": "before", "customProperties": {}}
    r = app.put(path(MODEL, "aspects", "mlModelProperties"), json=body, headers=eve.bearer)
    assert r.status_code == 200, r.text
    return MODEL


def description(app: TestClient, who: Person) -> str:
    body = app.get(path(MODEL), headers=who.bearer).json()
    text: str = body["aspects"]["mlModelProperties"]["value"]["description"]
    return text


def test_sign_in_sets_a_session_cookie_and_edits_act_as_the_user(
    app: TestClient, people: dict[str, Person], model: str, secured: Services
) -> None:
    r = sign_in(app, "eve", next="/search?q=fraud")
    assert r.status_code == 303 and r.headers["location"] == "/search?q=fraud"
    cookie = set_cookie(r, SESSION_COOKIE)
    assert cookie["httponly"] and cookie["samesite"] == "lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # a loopback catalog over plain HTTP; beyond it, Secure
    assert cookie.value.startswith("mlgp_")

    home = app.get("/")
    assert 'id="me"' in home.text and ">eve<" in home.text and "Sign out" in home.text
    assert edit_description(app, "edited in the browser").status_code == 303
    assert description(app, people["eve"]) == "edited in the browser"
    history = app.get(path(MODEL, "aspects", "mlModelProperties"), headers=people["eve"].bearer)
    assert history.json()["actor"] == people["eve"].urn

    signed = secured.audit.query(AuditQuery(kinds=(str(AuditKind.SIGN_IN),)))
    assert [(e.actor, e.door, e.detail["method"]) for e in signed] == [
        (people["eve"].urn, "ui", "password")
    ]
    # The session is a token of eve's, listed with her others (and revocable there).
    tokens = app.get("/api/v1/tokens", headers=people["eve"].bearer).json()["tokens"]
    assert "web session" in [t["name"] for t in tokens]


def test_a_session_does_not_edit_what_the_user_may_not(
    app: TestClient, people: dict[str, Person], model: str
) -> None:
    sign_in(app, "vic")
    r = edit_description(app, "a viewer's edit")
    assert r.status_code == 403 and "lacks `edit`" in r.text
    assert description(app, people["eve"]) == "before"


def test_wrong_passwords_are_refused_and_recorded(
    app: TestClient, people: dict[str, Person], secured: Services
) -> None:
    r = sign_in(app, "eve", "not the password at all")
    assert r.status_code == 401 and "wrong user name or password" in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = sign_in(app, "nobody", PASSWORD)
    assert r.status_code == 401
    failed = secured.audit.query(AuditQuery(kinds=(str(AuditKind.SIGN_IN_FAILED),)))
    assert [(e.actor, e.door) for e in failed] == [
        ("urn:li:corpuser:eve", "ui"),
        ("urn:li:corpuser:nobody", "ui"),
    ]
    assert all(PASSWORD not in str(e.detail) for e in failed)


def test_a_form_without_the_sessions_csrf_token_is_refused(
    app: TestClient, people: dict[str, Person], model: str
) -> None:
    anonymous_token = page_csrf(app, "/signin")
    sign_in(app, "eve")
    for forged in ("", "0" * 40, anonymous_token):
        r = edit_description(app, "forged", csrf=forged)
        assert r.status_code == 403 and "CSRF" in r.text
    r = app.post(
        f"/edit/description/{quote(MODEL, safe=':,()')}",
        data={"value": "no token at all"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert description(app, people["eve"]) == "before"


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(
    app: TestClient, people: dict[str, Person], model: str, secured: Services
) -> None:
    r = sign_in(app, "eve")
    stolen = set_cookie(r, SESSION_COOKIE).value
    token = page_csrf(app)
    out = app.post("/signout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert set_cookie(out, SESSION_COOKIE)["max-age"] == "0"

    app.cookies.set(SESSION_COOKIE, stolen)  # replayed
    page = app.get("/search", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
    app.cookies.set(SESSION_COOKIE, stolen)
    r = edit_description(app, "replayed", csrf=token)
    assert r.status_code == 401 and "session" in r.text
    assert description(app, people["eve"]) == "before"
    kinds = [e.kind for e in secured.audit.query(AuditQuery(actor=people["eve"].urn))]
    assert "sign_out" in kinds


def test_a_tampered_cookie_is_refused_and_cleared(
    app: TestClient, people: dict[str, Person]
) -> None:
    r = sign_in(app, "eve")
    real = set_cookie(r, SESSION_COOKIE).value
    for tampered in (
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        "mlgp_x",
        "garbage",
        "%C3%A9" * 10,
    ):
        app.cookies.clear()
        app.cookies.set(SESSION_COOKIE, tampered)
        page = app.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/signin"
        assert set_cookie(page, SESSION_COOKIE)["max-age"] == "0"


def test_the_cookie_is_no_credential_for_the_apis(
    app: TestClient, people: dict[str, Person]
) -> None:
    sign_in(app, "ada")
    assert app.get("/").status_code == 200  # the UI knows ada
    assert app.get("/api/v1/me").status_code == 401  # an API call brings its own
    assert app.get("/api/2.0/mlflow/experiments/search").status_code == 401
    assert app.post("/api/graphql", json={"query": "{ __typename }"}).status_code == 401


def test_sign_in_goes_back_only_to_this_sites_pages(
    app: TestClient, people: dict[str, Person]
) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        app.cookies.clear()
        r = sign_in(app, "eve", next=elsewhere)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_sign_in_posts_from_other_sites_are_refused(
    app: TestClient, people: dict[str, Person]
) -> None:
    form = {"csrf": page_csrf(app, "/signin"), "username": "eve", "password": PASSWORD}
    r = app.post("/signin", data=form, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
