"""A catalog with authentication on, and a team in it: an admin, two editors on
different teams, a viewer and an approver, each with a token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.runtime import Services, build_services
from mlgraph.services.proposals import Op, Proposal, WriteContext

PASSWORD = "correct horse battery staple"
TEAM = "urn:li:corpGroup:fraud-team"


@dataclass(frozen=True)
class Person:
    name: str
    urn: str
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=database_url,
        auth="on",
        anonymous_read=False,
    )
    built = build_services(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def people(secured: Services) -> dict[str, Person]:
    """ada (admin), eve and ed (editors; eve is in the fraud team), vic (viewer), and
    april (approver). A group ownership: the fraud team is a corpGroup with eve in it."""
    roles = {"ada": "admin", "eve": "editor", "ed": "editor", "vic": "viewer", "april": "approver"}
    out = {}
    for name, role in roles.items():
        urn = secured.identity.create_user(name, PASSWORD, [role])
        token = secured.identity.create_token(urn, "tests").secret
        out[name] = Person(name, urn, token)
    secured.writes.apply(
        [
            Proposal(
                Op.UPSERT,
                TEAM,
                "corpGroupInfo",
                {"displayName": "Fraud team", "members": [out["eve"].urn]},
            )
        ],
        WriteContext(),
    )
    return out


@pytest.fixture
def app(secured: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=secured)) as c:
        yield c
