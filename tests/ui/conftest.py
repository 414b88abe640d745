"""UI fixtures: the app with the UI router included (as `mlgraph serve` will), a fresh
database per test, and the demo catalog loaded through the SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mlgraph.demo import write_demo
from mlgraph.runtime import Services
from mlgraph.sdk import Client, WriteResult
from tests.ui.server import create_ui_app


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_ui_app(services=services)) as c:
        yield c


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client, actor="urn:li:corpuser:demo_loader") as c:
        yield c


@pytest.fixture
def demo(sdk: Client) -> list[WriteResult]:
    return write_demo(sdk)
