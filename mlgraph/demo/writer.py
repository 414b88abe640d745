"""`DemoWriter`: the SDK calls the demo stories make, with every write result kept so
the loader can say how many entities changed (none when the demo is already there)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from mlgraph.demo.vocabulary import APPROVER, REQUESTER
from mlgraph.sdk import Client, Entity, WriteResult

E = TypeVar("E", bound=Entity)


# A client acting as one of the demo's people, or None where the loader cannot act as
# them (a server with authentication on, reached without their tokens).
People = Callable[[str], Client | None]


def claimed_people(client: Client) -> People:
    """On a server with authentication off, a person is whoever the caller names."""
    if client.whoami().get("auth") == "on":
        return lambda urn: None
    return lambda urn: client.as_user(actor=urn)


class DemoWriter:
    def __init__(self, client: Client, people: People | None = None) -> None:
        self.client = client
        self.people = people or claimed_people(client)
        self.results: list[WriteResult] = []

    def record(self, results: WriteResult | Iterable[WriteResult]) -> None:
        if isinstance(results, WriteResult):
            self.results.append(results)
        else:
            self.results.extend(results)

    def upsert(self, *entities: Entity) -> None:
        """Write whole entities; an unchanged aspect comes back `changed: false`."""
        self.record(self.client.entities.upsert(list(entities)))

    def create(self, entity: Entity) -> bool:
        """Upsert `entity` only if its URN is not in the catalog yet; True if it was
        written. For stories that create an entity and then edit it: a second load
        must not reset the edits to the first state."""
        if self.client.entities.exists(entity.urn):
            return False
        self.upsert(entity)
        return True

    @contextmanager
    def edit(self, urn: str, cls: type[E]) -> Iterator[E]:
        """Read an entity, let the caller change it, write back what changed."""
        entity = self.client.entities.get(urn, cls)
        yield entity
        self.record(self.client.entities.update(entity))

    def approved(
        self, urn: str, target: str, evidence: list[tuple[str, str]], comment: str
    ) -> bool:
        """Have the demo's requester ask for `urn` to move into `target` and its approver
        approve; False (nothing asked) where the loader cannot act as them. The caller
        then makes the move, which uses the approval."""
        requester, approver = self.people(REQUESTER), self.people(APPROVER)
        if requester is None or approver is None:
            return False
        made = requester.approvals.request(urn, target, evidence=evidence, comment=comment)
        approver.approvals.approve(made.id, "reviewed the evaluation and the lineage")
        return True
