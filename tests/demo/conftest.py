"""Demo fixtures: an SDK `Client` over the in-process app (fresh database per test, on
every configured backend) and the demo catalog loaded into it."""

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
    """The demo, loaded once; the write results of that first load."""
    return write_demo(sdk)
