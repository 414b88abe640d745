"""SDK fixtures: a `Client` over the real app in-process (a fresh SQLite database per
test), and a second client on the same app for concurrent-edit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services, build_services
from mlgraph.sdk import Client


@pytest.fixture
def sdk_services(tmp_path: Path) -> Iterator[Services]:
    services = build_services(Settings(environment="test", data_dir=tmp_path))
    try:
        yield services
    finally:
        services.close()


@pytest.fixture
def app_client(sdk_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=sdk_services)) as http:
        yield http


@pytest.fixture
def sdk(app_client: TestClient) -> Iterator[Client]:
    with Client(http_client=app_client, actor="urn:li:corpuser:sdk_test") as client:
        yield client


@pytest.fixture
def other_sdk(app_client: TestClient) -> Iterator[Client]:
    """A second user on the same server."""
    with Client(http_client=app_client, actor="urn:li:corpuser:someone_else") as client:
        yield client
