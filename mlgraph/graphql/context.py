"""What every resolver shares during one request: the services, and the entities read
so far (each one is read once per request, through `EntityService`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from mlgraph.errors import NotFound
from mlgraph.model.registry import EntityKey, parse_urn
from mlgraph.runtime import Services
from mlgraph.services.entities import EntityView


@dataclass(frozen=True, slots=True)
class Ref:
    """An entity by URN. Its fields are read only when a query asks for them."""

    urn: str
    entity_type: str

    @property
    def key(self) -> EntityKey:
        return parse_urn(self.urn)[2]


def ref(urn: str) -> Ref:
    """A `Ref` to `urn`, whose shape is checked here (raises InvalidUrn)."""
    _, spec, _ = parse_urn(urn)
    return Ref(urn, spec.name)


def refs(urns: list[str] | None) -> list[Ref]:
    return [ref(u) for u in urns or []]


@dataclass
class Context:
    services: Services
    _views: dict[str, EntityView | None] = field(default_factory=dict)

    def view(self, urn: str) -> EntityView | None:
        """The entity with its latest aspects, or None if the catalog has no such
        (live) entity."""
        if urn not in self._views:
            try:
                self._views[urn] = self.services.entities.get(urn)
            except NotFound:
                self._views[urn] = None
        return self._views[urn]

    def aspect(self, urn: str, name: str) -> dict[str, Any] | None:
        view = self.view(urn)
        found = view.aspects.get(name) if view is not None else None
        return found.value if found is not None else None


def context(info: GraphQLResolveInfo) -> Context:
    ctx: Context = info.context
    return ctx
