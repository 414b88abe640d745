"""Reading the catalog over HTTP in tests: an entity, its aspect values, its edges."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient


def entity_path(urn: str, *rest: str) -> str:
    tail = "".join(f"/{r}" for r in rest)
    return f"/api/v1/entities/{quote(urn, safe='')}{tail}"


def get_entity(http: TestClient, urn: str) -> dict[str, Any]:
    response = http.get(entity_path(urn))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def aspects(http: TestClient, urn: str) -> dict[str, Any]:
    return {name: a["value"] for name, a in get_entity(http, urn)["aspects"].items()}


def edges(http: TestClient, urn: str, direction: str = "both") -> set[tuple[str, str, str]]:
    """(relationship, direction, other end) of every edge of `urn`."""
    response = http.get(entity_path(urn, "relationships"), params={"direction": direction})
    assert response.status_code == 200, response.text
    return {(r["type"], r["direction"], r["urn"]) for r in response.json()["relationships"]}
