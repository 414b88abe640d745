"""Curation forms: each edit goes through the write service (visible in the REST API
and the history, as the acting user every door works out the same way), refuses stale
forms and other sites' posts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.helpers import page_csrf

CLF_V21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
RUN = "urn:li:dataProcessInstance:exp-47b"
FORM = {"content-type": "application/x-www-form-urlencoded"}

pytestmark = pytest.mark.usefixtures("demo")


def post(client: TestClient, field: str, urn: str, data: dict[str, str], **headers: str) -> Any:
    return client.post(
        f"/edit/{field}/{quote(urn, safe=':,()')}",
        data={"csrf": page_csrf(client), **data},
        headers=headers,
        follow_redirects=False,
    )


def aspect(client: TestClient, urn: str, name: str) -> dict[str, Any]:
    body = client.get(f"/api/v1/entities/{quote(urn, safe='')}").json()
    result: dict[str, Any] = body["aspects"][name]
    return result


def test_edit_description_writes_through_the_service(client: TestClient) -> None:
    before = aspect(client, CLF_V21, "mlModelProperties")
    r = post(
        client,
        "description",
        CLF_V21,
        {"value": "Edited <b>here</b>", "expected_version": str(before["version"])},
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith("?tab=edit&saved=description")
    after = aspect(client, CLF_V21, "mlModelProperties")
    assert after["value"]["description"] == "Edited <b>here</b>"
    assert after["value"]["hyperParams"] == before["value"]["hyperParams"]
    assert after["actor"] == "urn:li:corpuser:anonymous"  # the default actor, as on every door
    assert after["version"] == before["version"] + 1
    page = client.get(r.headers["location"]).text
    assert "Saved description." in page and "Edited &lt;b&gt;here&lt;/b&gt;" in page


def test_edit_tags_owners_terms_domain(client: TestClient) -> None:
    post(client, "tags", CLF_V21, {"value": "production, fraud, urn:li:tag:pii"})
    post(client, "owners", CLF_V21, {"value": "data_science_team, rzeng"})
    post(client, "terms", CLF_V21, {"value": "fraud-score"})
    post(client, "domain", CLF_V21, {"value": "customer-analytics"})
    tags = aspect(client, CLF_V21, "globalTags")["value"]
    assert tags == {"tags": [{"tag": f"urn:li:tag:{t}"} for t in ("production", "fraud", "pii")]}
    owners = aspect(client, CLF_V21, "ownership")["value"]["owners"]
    assert [o["owner"] for o in owners] == [
        "urn:li:corpuser:data_science_team",
        "urn:li:corpuser:rzeng",
    ]
    terms = aspect(client, CLF_V21, "glossaryTerms")["value"]
    assert terms == {"terms": [{"urn": "urn:li:glossaryTerm:fraud-score"}]}
    assert aspect(client, CLF_V21, "domains")["value"] == {
        "domains": ["urn:li:domain:customer-analytics"]
    }
    # Search sees the change at once: the same write path keeps the index in step.
    found = client.get("/search?tag=urn:li:tag:fraud&type=mlModel").text
    assert "clf_orders v2.1" in found
    edit = client.get(f"/entity/{quote(CLF_V21, safe=':,()')}?tab=edit").text
    assert 'value="production, fraud, pii"' in edit and 'value="customer-analytics"' in edit


def test_a_stale_form_is_refused_not_applied(client: TestClient) -> None:
    version = aspect(client, CLF_V21, "mlModelProperties")["version"]
    post(client, "description", CLF_V21, {"value": "first", "expected_version": str(version)})
    r = post(client, "description", CLF_V21, {"value": "second", "expected_version": str(version)})
    assert r.status_code == 409
    assert aspect(client, CLF_V21, "mlModelProperties")["value"]["description"] == "first"


def test_posts_from_other_sites_are_refused(client: TestClient) -> None:
    r = post(client, "description", CLF_V21, {"value": "x"}, origin="https://evil.example")
    assert r.status_code == 403
    r = post(client, "description", CLF_V21, {"value": "x"}, **{"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    assert aspect(client, CLF_V21, "mlModelProperties")["value"]["description"] != "x"


def test_posts_without_the_pages_csrf_token_are_refused(client: TestClient) -> None:
    url = f"/edit/description/{quote(CLF_V21, safe=':,()')}"
    for data in ({"value": "x"}, {"value": "x", "csrf": "forged" * 7 + "x"}):
        r = client.post(url, data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF token" in r.text
    # A token of another browser (another cookie) does not carry over.
    token = page_csrf(client)
    client.cookies.clear()
    r = client.post(url, data={"value": "x", "csrf": token}, follow_redirects=False)
    assert r.status_code == 403
    assert aspect(client, CLF_V21, "mlModelProperties")["value"]["description"] != "x"


def test_bad_edits_explain_themselves(client: TestClient) -> None:
    r = post(client, "color", CLF_V21, {"value": "red"})
    assert r.status_code == 422 and "not editable" in r.text
    r = post(client, "domain", CLF_V21, {"value": "risk, operations"})
    assert r.status_code == 422 and "one domain" in r.text
    r = post(client, "description", RUN, {"value": "runs have none"})
    assert r.status_code == 422 and "no description" in r.text
    r = client.post(f"/edit/tags/{quote(CLF_V21, safe=':,()')}", json={"value": "x"})
    assert r.status_code == 422
    edit = client.get(f"/entity/{quote(RUN, safe=':,()')}?tab=edit").text
    assert 'id="edit-description"' not in edit and 'id="edit-tags"' in edit
