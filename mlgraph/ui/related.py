"""Related entities: every relationship of an entity, grouped and named the way a
reader thinks of them (a group's models, an experiment's runs, a run's inputs and
outputs, a model's deployments), with readable names."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import NotFound
from mlgraph.model.display import name_aspect
from mlgraph.model.registry import parse_urn
from mlgraph.runtime import Services
from mlgraph.ui.header import display_name

MAX_NAMED = 100  # beyond this, related entities show their URN's name, unread
MAX_SHOWN = 200  # per group; a tag on 100k entities lists the first ones and a count

# (relationship, direction) -> heading. Unlisted pairs get "<Type> (outgoing|incoming)".
HEADINGS = {
    ("MemberOf", "outgoing"): "Model group",
    ("MemberOf", "incoming"): "Models (versions)",
    ("IsPartOf", "outgoing"): "Experiment / container",
    ("IsPartOf", "incoming"): "Members (runs)",
    ("TrainedBy", "outgoing"): "Training runs",
    ("TrainedBy", "incoming"): "Models trained by this run",
    ("Produces", "outgoing"): "Outputs",
    ("Produces", "incoming"): "Produced by",
    ("Consumes", "outgoing"): "Inputs",
    ("Consumes", "incoming"): "Consumed by",
    ("DeployedTo", "outgoing"): "Deployments",
    ("DeployedTo", "incoming"): "Serves model",
    ("TrainedOn", "outgoing"): "Training data",
    ("TrainedOn", "incoming"): "Models trained on this",
    ("EvaluatedOn", "outgoing"): "Evaluation data",
    ("EvaluatedOn", "incoming"): "Models evaluated on this",
    ("DerivedFrom", "outgoing"): "Derived from (columns)",
    ("DerivedFrom", "incoming"): "Features derived from this",
    ("Contains", "outgoing"): "Contains",
    ("Contains", "incoming"): "Contained in",
    ("DownstreamOf", "outgoing"): "Upstream datasets",
    ("DownstreamOf", "incoming"): "Downstream datasets",
    ("OwnedBy", "outgoing"): "Owners",
    ("OwnedBy", "incoming"): "Owns",
    ("TaggedWith", "outgoing"): "Tags",
    ("TaggedWith", "incoming"): "Tagged entities",
    ("TermedWith", "outgoing"): "Glossary terms",
    ("TermedWith", "incoming"): "Entities with this term",
    ("AssociatedWith", "outgoing"): "Domain",
    ("AssociatedWith", "incoming"): "Entities in this domain",
    ("VersionOf", "outgoing"): "Version set",
    ("VersionOf", "incoming"): "Versions",
}
# Relationships that say the same thing as a listed one (DataHub writes both).
_ALIASES = {
    "DataProcessInstanceConsumes": "Consumes",
    "DataProcessInstanceProduces": "Produces",
}


@dataclass
class RelatedGroup:
    heading: str
    rel: str
    direction: str
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def names(services: Services, urns: list[str]) -> dict[str, str]:
    """Readable names for up to MAX_NAMED URNs (a container's name lives in its
    properties, not its URN); the rest fall back to the URN's name part."""
    out: dict[str, str] = {}
    for urn in urns[:MAX_NAMED]:
        aspect = name_aspect(parse_urn(urn)[1].name)
        if aspect is None:
            continue
        with suppress(NotFound):  # a dangling reference keeps its URN's name
            out[urn] = display_name(services.entities.get(urn, [aspect]))
    return out


def related(services: Services, urn: str) -> list[RelatedGroup]:
    rels = services.entities.relationships(urn)
    groups: dict[tuple[str, str], RelatedGroup] = {}
    seen: set[tuple[str, str, str]] = set()
    for r in rels:
        rel = _ALIASES.get(r["type"], r["type"])
        key = (rel, r["direction"])
        if (rel, r["direction"], r["urn"]) in seen:
            continue
        seen.add((rel, r["direction"], r["urn"]))
        heading = HEADINGS.get(key, f"{rel} ({r['direction']})")
        groups.setdefault(key, RelatedGroup(heading, rel, r["direction"])).items.append(r)
    for g in groups.values():
        g.total = len(g.items)
        g.items = sorted(g.items, key=lambda i: i["urn"])[:MAX_SHOWN]
    named = names(services, [i["urn"] for g in groups.values() for i in g.items])
    for g in groups.values():
        for item in g.items:
            item["name"] = named.get(item["urn"])
            item["type_name"] = parse_urn(item["urn"])[1].name
    return sorted(groups.values(), key=lambda g: g.heading)
