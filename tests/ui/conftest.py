"""UI fixtures: the demo catalog loaded through the SDK into the app (which serves the
UI), on a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mlgraph.demo import write_demo
from mlgraph.sdk import Client, WriteResult


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client, actor="urn:li:corpuser:demo_loader") as c:
        yield c


@pytest.fixture
def demo(sdk: Client) -> list[WriteResult]:
    return write_demo(sdk)
