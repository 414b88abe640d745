"""The query vocabulary of the search index, declared once: the filter grammar's clause,
the facets (which are edges, which are columns of the entity, which are indexed values
of `Facet` fields), the sort orders, and the member queries MLflow's runs/search asks.

The parser (services/filters.py) builds these, the services check them and the store
turns them into SQL; none of them declares the vocabulary again."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mlgraph.model.registry import ASPECTS, ENTITIES

# --- the filter grammar and the facets ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a filter: `metrics.auc > 0.9`, `tags.team = 'x'`, `name LIKE 'a%'`."""

    kind: str  # metric, param, tag, attribute
    key: str
    op: str  # =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL
    value: Any = None  # str, float, or a tuple of str for IN


# facet -> the relationship whose targets are its values (a tag facet: TaggedWith edges)
EDGE_FACETS: dict[str, str] = {
    "tag": "TaggedWith",
    "owner": "OwnedBy",
    "domain": "AssociatedWith",
    "term": "TermedWith",
}
COLUMN_FACETS = ("type", "platform", "env")  # what every entity row carries
PROPERTY_FACETS = ("alias", "subtype", "algorithm")  # the `Facet` fields' values
FACETS = (*COLUMN_FACETS, *EDGE_FACETS, *PROPERTY_FACETS)
SORTS = frozenset({"relevance", "name", "updated"})

# The property kind each `Filter` kind is indexed as (entity_properties.kind).
PROPERTY_KIND = {"params": "param", "metrics": "metric", "tags": "tag"}

_facet_fields = {f.name for a in ASPECTS.values() for f in a.facets}
assert set(PROPERTY_FACETS) == _facet_fields, f"Facet fields declare {_facet_fields}"
_relationships = {r.rel.name for a in ASPECTS.values() for r in a.relationships}
assert set(EDGE_FACETS.values()) <= _relationships, "an edge facet names no relationship"


@cache
def kinds_from_several_aspects() -> frozenset[str]:
    """Property kinds one entity can hold under the same key from two of its aspects
    (a run's tags come from two): a search over such a kind may meet an entity twice."""
    several: set[str] = set()
    for entity in ENTITIES.values():
        seen: set[str] = set()
        for name in entity.aspects:
            spec = ASPECTS.get(name)
            if spec is None:
                continue
            kinds = {PROPERTY_KIND[f.kind] for f in spec.filters} | {"facet" for _ in spec.facets}
            several |= kinds & seen
            seen |= kinds
    return frozenset(several)


# --- member queries: one page of a container's members -------------------------------

PROPERTY_KINDS = ("param", "metric", "tag")
OPS = ("=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "IS NULL", "IS NOT NULL")


@dataclass(frozen=True, slots=True)
class Value:
    """A member's value: a structured property (`kind` param, metric or tag, written by
    `aspect`) or, for kind "field", the top-level `key` of `aspect`'s JSON."""

    kind: str
    aspect: str
    key: str
    numeric: bool = False  # "field" values compared and ordered as numbers


@dataclass(frozen=True, slots=True)
class Condition:
    value: Value
    op: str  # one of OPS
    operand: Any = None  # str, float, or a list of str for IN / NOT IN


@dataclass(frozen=True, slots=True)
class Sort:
    value: Value
    descending: bool = False


@dataclass
class MemberQuery:
    """The members of `containers` by relationship `rel`, of one entity type, matching
    every condition, in the sorts' order, one page of them."""

    containers: list[str]
    rel: str
    entity_type: str
    required_aspect: str  # members without it are left out
    conditions: list[Condition] = field(default_factory=list)
    only: list[str] | None = None  # restrict to these URNs
    sorts: list[Sort] = field(default_factory=list)
    offset: int = 0
    limit: int = 100
