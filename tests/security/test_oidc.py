"""Single sign-on end to end: mlgraph under uvicorn (MLGRAPH_AUTH=on) against a real
OpenID provider, the `oidc-provider` npm package (tests/security/oidc/provider.mjs,
installed by `make test`), with a headless Chromium signing in through the provider's
own login form and consent page. Nothing on either side is faked: the discovery
document, the keys, the code exchange with PKCE, the signed ID token and the user info
are the provider's. The users, their roles and the audit log are read back through
the REST API with an admin's token."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from mlgraph.config import Settings
from mlgraph.runtime import build_services
from tests.browser import chromium
from tests.live import free_port, mlgraph_server

pytestmark = pytest.mark.live

OIDC = Path(__file__).resolve().parent / "oidc"
NODE = os.environ.get("MLGRAPH_TEST_NODE") or shutil.which("node") or "/usr/bin/node"
CLIENT_ID = "mlgraph"
CLIENT_SECRET = "the client secret mlgraph and the provider share"
PASSWORD = "correct horse battery staple"
# Only the two loopback servers are reached; the provider's pages @import a web font,
# which is refused rather than fetched.
ELSEWHERE = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")


@dataclass(frozen=True)
class Sso:
    url: str  # mlgraph
    issuer: str  # the provider
    admin: dict[str, str]  # an admin's bearer header, for reading users and the audit log


@contextlib.contextmanager
def oidc_provider(port: int, redirect_uri: str, log: Path) -> Iterator[str]:
    """tests/security/oidc/provider.mjs listening on 127.0.0.1:`port` until the block
    ends; yields its issuer once it says it is ready."""
    if not (OIDC / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "oidc-provider is not installed: run `make test`, or "
            "`npm install --prefix tests/security/oidc --no-audit --no-fund`",
            pytrace=False,
        )
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [NODE, str(OIDC / "provider.mjs"), str(port)],
            cwd=OIDC,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "ready" not in log.read_text(errors="replace"):
            if proc.poll() is not None:
                pytest.fail(f"the provider exited with {proc.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the provider was not ready within 30s:\n{log.read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()  # by its PID, which Popen keeps
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sso]:
    """An admin made on the catalog's database before it starts; then mlgraph, told of
    the provider (which does not answer until its first sign-in); then the provider,
    told of mlgraph's callback."""
    data_dir = tmp_path_factory.mktemp("sso")
    services = build_services(
        Settings(environment="test", data_dir=data_dir, database_url="", auth="on")
    )
    try:
        ada = services.identity.create_user("ada", PASSWORD, ["admin"])
        token = services.identity.create_token(ada, "tests").secret
    finally:
        services.close()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with (
        mlgraph_server(
            data_dir,
            auth="on",
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_roles=json.dumps({"ml-approvers": "approver"}),
        ) as live,
        oidc_provider(port, f"{live.url}/signin/oidc/callback", data_dir / "provider.log"),
    ):
        yield Sso(live.url, issuer, {"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser, sso: Sso) -> Iterator[Page]:
    """A browser of its own (no cookies from another test, the provider's included)."""
    context = browser.new_context(base_url=sso.url)
    context.route(ELSEWHERE, lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"a page threw: {errors}"


def sign_in(page: Page, sso: Sso, login: str) -> None:
    """mlgraph's sign-in page, its single sign-on button, the provider's login form and
    consent page, and back."""
    page.goto("/signin")
    page.click("#signin-oidc")
    page.wait_for_url(f"{sso.issuer}/interaction/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything at all")
    page.click("button[type=submit]")
    page.wait_for_url(f"{sso.issuer}/interaction/**")
    expect(page.locator("input[name=prompt]")).to_have_value("consent")
    page.click("button[type=submit]")
    page.wait_for_url(f"{sso.url}/")
    expect(page.locator("#me")).to_contain_text(login)


def user(sso: Sso, name: str) -> dict[str, Any]:
    answer = httpx.get(f"{sso.url}/api/v1/users", headers=sso.admin)
    assert answer.status_code == 200, answer.text
    found = [u for u in answer.json()["users"] if u["urn"] == f"urn:li:corpuser:{name}"]
    assert len(found) == 1, answer.json()
    return dict(found[0])


def audit(sso: Sso, kind: str, actor: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{sso.url}/api/v1/audit", params={"kind": kind, "actor": actor}, headers=sso.admin
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["entries"])


def test_a_provider_group_signs_in_as_its_role(page: Page, sso: Sso) -> None:
    sign_in(page, sso, "grace")

    grace = user(sso, "grace")
    assert grace["roles"] == ["approver"]  # ml-approvers, mapped by MLGRAPH_OIDC_ROLES
    assert grace["has_password"] is False
    signed = audit(sso, "sign_in", "urn:li:corpuser:grace")
    assert [e["detail"]["method"] for e in signed] == ["oidc"]
    assert signed[0]["door"] == "ui"
    # The name the provider gave, on the user's entity.
    entity = httpx.get(f"{sso.url}/api/v1/entities/urn:li:corpuser:grace", headers=sso.admin).json()
    assert entity["aspects"]["corpUserInfo"]["value"]["displayName"] == "Grace Hopper"
    # The session cookie is the UI's: a page that needs a signed-in user opens.
    opened = page.goto("/approvals")
    assert opened is not None and opened.status == 200
    expect(page.locator("#me")).to_contain_text("grace")


def test_a_group_without_a_role_gets_the_default_role(page: Page, sso: Sso) -> None:
    sign_in(page, sso, "hal")

    assert user(sso, "hal")["roles"] == ["viewer"]  # "unrelated" is in no mapping
    signed = audit(sso, "sign_in", "urn:li:corpuser:hal")
    assert [e["detail"]["method"] for e in signed] == ["oidc"]


def test_an_answer_with_another_state_is_refused(page: Page, sso: Sso) -> None:
    page.goto("/signin")
    page.click("#signin-oidc")
    page.wait_for_url(f"{sso.issuer}/interaction/**")
    held = {c["name"]: c for c in page.context.cookies(sso.url)}
    assert "mlgraph_oidc" not in held  # scoped to /signin/oidc, not sent to "/"
    attempt = page.context.cookies(f"{sso.url}/signin/oidc/callback")
    assert "mlgraph_oidc" in {c["name"] for c in attempt}

    # The browser comes back with its attempt cookie, but not with its state.
    answer = page.goto("/signin/oidc/callback?state=wrong&code=x")
    assert answer is not None
    assert answer.status == 401
    assert "mlgraph_session" not in (answer.headers.get("set-cookie") or "")
    assert "mlgraph_session" not in {c["name"] for c in page.context.cookies(sso.url)}
    expect(page.locator("#me")).not_to_contain_text("grace")
    failed = audit(sso, "sign_in_failed", "urn:li:corpuser:anonymous")
    assert any("does not match" in e["detail"]["reason"] for e in failed), failed
