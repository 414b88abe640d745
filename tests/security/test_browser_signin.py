"""Sign-in and the approval flow in a real headless Chromium against a live mlgraph
with authentication on and anonymous reads off: a page redirects to sign-in and back,
an approver approves a request from its page, the move then goes through and the page
names the approver; a same-origin script's post without the form's CSRF token is
refused; sign-out ends the session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from mlgraph.config import Settings
from mlgraph.runtime import build_services
from tests.browser import chromium
from tests.live import mlgraph_server

pytestmark = pytest.mark.live

PASSWORD = "a browser's long password"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,fraud,PROD)"
MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_1,PROD)"
SETTINGS = {"auth": "on", "anonymous_read": "false"}


def _aspect(urn: str, aspect: str) -> str:
    return f"/api/v1/entities/{quote(urn, safe='')}/aspects/{aspect}"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A live catalog where eve (editor) owns a fraud model version and has asked for
    its Production approval; april is an approver. Yields the URL and eve's headers."""
    data = tmp_path_factory.mktemp("signin-live")
    built = build_services(Settings(data_dir=data, environment="test", **SETTINGS))  # type: ignore[arg-type]
    try:
        eve = built.identity.create_user("eve", PASSWORD, ["editor"])
        built.identity.create_user("april", PASSWORD, ["approver"])
        token = built.identity.create_token(eve, "browser test").secret
    finally:
        built.close()
    headers = {"Authorization": f"Bearer {token}"}
    with mlgraph_server(data, **SETTINGS) as live:
        with httpx.Client(base_url=live.url, headers=headers) as http:
            owners = {"owners": [{"owner": eve, "type": "TECHNICAL_OWNER"}]}
            for urn, aspect, value in (
                (GROUP, "mlModelGroupProperties", {"name": "fraud"}),
                (GROUP, "ownership", owners),
                (MODEL, "mlModelProperties", {"name": "fraud_1", "groups": [GROUP]}),
                (MODEL, "ownership", owners),
            ):
                assert http.put(_aspect(urn, aspect), json=value).status_code == 200
        yield live.url, headers


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser, catalog: tuple[str, dict[str, str]]) -> Iterator[Page]:
    context = browser.new_context(base_url=catalog[0])
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in(page: Page, user: str, password: str = PASSWORD) -> None:
    page.fill("#f-username", user)
    page.fill("#f-password", password)
    page.click("#signin button[type=submit]")


def _request(catalog: tuple[str, dict[str, str]]) -> str:
    url, eve = catalog
    body: dict[str, Any] = {
        "model": MODEL,
        "target": "stage:Production",
        "evidence": [{"label": "evaluation", "link": "https://example.com/eval/7"}],
        "comment": "ready",
    }
    made = httpx.post(f"{url}/api/v1/approvals", json=body, headers=eve)
    assert made.status_code == 200, made.text
    found: str = made.json()["id"]
    return found


def test_an_approver_signs_in_and_approves_in_the_browser(
    page: Page, catalog: tuple[str, dict[str, str]]
) -> None:
    request_id = _request(catalog)
    page.goto(f"/approvals/{request_id}")
    expect(page).to_have_url(f"{catalog[0]}/signin?next=/approvals/{request_id}")
    _sign_in(page, "april", "not april's password")
    expect(page.locator("#signin-error")).to_contain_text("wrong user name or password")
    _sign_in(page, "april")
    expect(page).to_have_url(f"{catalog[0]}/approvals/{request_id}")
    expect(page.locator("#me")).to_contain_text("april")
    expect(page.locator("#evidence")).to_contain_text("https://example.com/eval/7")
    page.fill("#f-comment", "evaluation checked")
    page.click("#approve")
    expect(page.locator("#state")).to_have_text("approved")

    # The move eve could not make goes through now, and the page names the approver.
    url, eve = catalog
    tags = {"tags": [{"tag": "urn:li:tag:mlflow_production"}]}
    moved = httpx.put(f"{url}{_aspect(MODEL, 'globalTags')}", json=tags, headers=eve)
    assert moved.status_code == 200, moved.text
    page.reload()
    expect(page.locator("#status")).to_contain_text("Yes: approved by april")

    page.click("#me button[type=submit]")  # sign out
    expect(page).to_have_url(f"{url}/signin")
    page.goto("/approvals")
    expect(page).to_have_url(f"{url}/signin?next=/approvals")


def test_a_post_without_the_forms_token_is_refused_in_the_browser(
    page: Page, catalog: tuple[str, dict[str, str]]
) -> None:
    page.goto("/signin")
    _sign_in(page, "eve")
    expect(page.locator("#me")).to_contain_text("eve")
    page.goto(f"/entity/{quote(MODEL, safe=':,()')}?tab=edit")
    # A script on the page (as injected code would be) posts without the CSRF field:
    # the browser sends the session cookie, the server refuses it.
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', body: new URLSearchParams(
            {value: 'forged'}), headers: {'content-type': 'application/x-www-form-urlencoded'}}
        )).status""",
        f"/edit/description/{quote(MODEL, safe=':,()')}",
    )
    assert status == 403
    # The form itself works.
    page.fill("#f-description", "edited by eve in the browser")
    page.click("#edit-description button[type=submit]")
    expect(page.locator("#saved")).to_contain_text("description")
    url, eve = catalog
    got = httpx.get(f"{url}{_aspect(MODEL, 'mlModelProperties')}", headers=eve).json()
    assert got["value"]["description"] == "edited by eve in the browser"
    assert got["actor"] == "urn:li:corpuser:eve"
