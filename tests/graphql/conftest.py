"""GraphQL tests: the router mounted on the app (fresh database per test, every
backend), with the demo catalog's fixtures shared from tests/demo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.runtime import Services
from tests.demo.conftest import demo, sdk

__all__ = ["client", "demo", "gql", "sdk"]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    """The app (which serves `/api/graphql`); overrides the root `client` so the demo
    fixtures load through this same app."""
    with TestClient(create_app(services=services)) as c:
        yield c


def gql(
    client: TestClient, query: str, variables: dict[str, Any] | None = None, status: int = 200
) -> dict[str, Any]:
    r = client.post("/api/graphql", json={"query": query, "variables": variables})
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body
