"""An entity's display name is one rule, declared with its type in the model registry,
and every door answers with it: search results, the UI's entity page, GraphQL and the
SDK. Written for every entity type, on both backends."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from mlgraph.model.registry import ENTITIES, EntitySpec, naming_problems, parse_urn
from mlgraph.sdk import Client
from tests.helpers import upsert

DATASET = "urn:li:dataset:(urn:li:dataPlatform:snowflake,orders,PROD)"
MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
# Fields a properties aspect requires besides its name fields.
REQUIRED: dict[str, dict[str, Any]] = {
    "dataPlatform": {"name": "a-platform"},
    "mlPrimaryKey": {"sources": [DATASET]},
    "dataProcessInstance": {"name": "unused", "created": {"time": 1}},
    "container": {"name": "unused"},
    "dataFlow": {"name": "unused"},
    "dataJob": {"name": "unused"},
    "dashboard": {"title": "unused"},
    "versionSet": {"latest": MODEL},
    "tag": {"name": "unused"},
    "domain": {"name": "unused"},
}
# A value for each kind of URN key part.
PART = {
    "env": "PROD",
    "platform": "looker",
    "urn:dataPlatform": "urn:li:dataPlatform:mlflow",
    "urn:dataFlow": "urn:li:dataFlow:(airflow,nightly,prod)",
    "urn:": DATASET,
}


def _urn(spec: EntitySpec) -> str:
    parts = [PART.get(p.kind, f"{spec.name}-{p.name}") for p in spec.key]
    return f"urn:li:{spec.name}:" + (parts[0] if len(parts) == 1 else f"({','.join(parts)})")


def _written(spec: EntitySpec) -> tuple[str, dict[str, Any]]:
    """An entity of this type whose properties carry a display name (when the type
    has name fields), and the proposal writing it."""
    urn = _urn(spec)
    if spec.properties is None:
        return urn, upsert(urn, "status", {"removed": False})
    value = dict(REQUIRED.get(spec.name, {}))
    if spec.name_fields:
        value[spec.name_fields[0]] = f"The {spec.label} shown"
    return urn, upsert(urn, spec.properties, value)


def _search_name(client: TestClient, urn: str, entity_type: str) -> str:
    r = client.get("/api/v1/search", params={"type": entity_type, "limit": 100})
    assert r.status_code == 200, r.text
    found = [x for x in r.json()["results"] if x["urn"] == urn]
    assert len(found) == 1, r.json()
    return str(found[0]["display_name"])


def _page_name(client: TestClient, urn: str) -> str:
    r = client.get("/entity/" + quote(urn, safe=":,()"))
    assert r.status_code == 200, r.text[:500]
    m = re.search(r'<h1 id="entity-name">([^<]*)', r.text)
    assert m, "no #entity-name"
    return unescape(m.group(1)).strip()


def _graphql(client: TestClient, urn: str) -> dict[str, Any]:
    r = client.post(
        "/api/graphql",
        json={
            "query": "query($urn: String!) { entity(urn: $urn) { name displayName } }",
            "variables": {"urn": urn},
        },
    )
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    entity: dict[str, Any] = r.json()["data"]["entity"]
    return entity


def test_every_door_names_every_entity_type_alike(client: TestClient) -> None:
    written = {t: _written(spec) for t, spec in ENTITIES.items()}
    r = client.post("/api/v1/proposals", json={"proposals": [p for _, p in written.values()]})
    assert r.status_code == 200, r.text
    sdk = Client(http_client=client)
    for entity_type, (urn, _) in written.items():
        spec = ENTITIES[entity_type]
        key_name = parse_urn(urn)[2].name
        expected = f"The {spec.label} shown" if spec.name_fields else key_name
        assert expected != key_name or not spec.name_fields
        seen = {
            "search": _search_name(client, urn, entity_type),
            "ui": _page_name(client, urn),
            "graphql": _graphql(client, urn)["displayName"],
            "sdk": sdk.entities.get(urn).display_name,
        }
        assert seen == dict.fromkeys(seen, expected), entity_type


def test_a_dashboard_is_named_by_its_title(client: TestClient) -> None:
    urn = "urn:li:dashboard:(looker,churn_kpis)"
    r = client.post(
        "/api/v1/proposals",
        json={"proposals": [upsert(urn, "dashboardInfo", {"title": "Churn KPIs"})]},
    )
    assert r.status_code == 200, r.text
    assert _page_name(client, urn) == "Churn KPIs"
    assert _graphql(client, urn) == {"name": "Churn KPIs", "displayName": "Churn KPIs"}
    page = client.get("/entity/" + quote(urn, safe=":,()")).text
    assert 'class="badge type type-dashboard" title="Dashboard"' in page


def test_graphql_name_stays_the_key_name_where_datahub_has_it_so(client: TestClient) -> None:
    props = upsert(DATASET, "datasetProperties", {"name": "Orders table"})
    assert client.post("/api/v1/proposals", json={"proposals": [props]}).status_code == 200
    assert _graphql(client, DATASET) == {"name": "orders", "displayName": "Orders table"}


def test_a_user_is_named_by_display_name_then_full_name_never_job_title(
    client: TestClient,
) -> None:
    user = "urn:li:corpuser:rzeng"
    info = {"title": "Data Scientist", "fullName": "R. Zeng"}
    assert (
        client.post(
            "/api/v1/proposals", json={"proposals": [upsert(user, "corpUserInfo", info)]}
        ).status_code
        == 200
    )
    assert _search_name(client, user, "corpuser") == "R. Zeng"
    assert _graphql(client, user)["displayName"] == "R. Zeng"
    assert _page_name(client, user) == "R. Zeng"


def test_a_wrong_naming_declaration_is_caught() -> None:
    dashboard = ENTITIES["dashboard"]
    assert naming_problems(dashboard) == []
    assert naming_problems(dataclasses.replace(dashboard, name_fields=("name",))) == [
        "dashboard: dashboardInfo has no field 'name'"
    ]
    assert naming_problems(dataclasses.replace(dashboard, properties="datasetProperties")) == [
        "dashboard does not carry its properties aspect datasetProperties"
    ]
    assert naming_problems(dataclasses.replace(dashboard, properties=None, label="")) == [
        "dashboard has no label",
        "dashboard names name fields but no properties aspect",
    ]
