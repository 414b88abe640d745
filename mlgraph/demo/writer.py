"""`DemoWriter`: the SDK calls the demo stories make, with every write result kept so
the loader can say how many entities changed (none when the demo is already there)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from mlgraph.sdk import Client, Entity, WriteResult

E = TypeVar("E", bound=Entity)


class DemoWriter:
    def __init__(self, client: Client) -> None:
        self.client = client
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
