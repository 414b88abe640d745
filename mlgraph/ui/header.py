"""What every entity page shows at the top, read from an entity's aspects: name,
description, owners, tags, terms, domain, version, aliases/stage and deprecation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mlgraph.model import display
from mlgraph.model.registry import ASPECTS, entity_spec
from mlgraph.services.entities import EntityView


@cache
def description_aspect(entity_type: str) -> str | None:
    """The type's properties aspect (declared in the model) when it holds a
    description: the one the page shows it from and the description editor writes."""
    aspect = entity_spec(entity_type).properties
    if aspect is not None and "description" in ASPECTS[aspect].schema.model_fields:
        return aspect
    return None


def value_of(view: EntityView, aspect: str) -> dict[str, Any]:
    a = view.aspects.get(aspect)
    return a.value if a is not None and a.value is not None else {}


def display_name(view: EntityView) -> str:
    """The model's one display-name rule, over the aspects a view holds."""
    aspect = display.name_aspect(view.row.entity_type)
    values = {aspect: value_of(view, aspect)} if aspect else {}
    return display.display_name(view.row.entity_type, view.row.name, values)


@dataclass
class Header:
    urn: str
    type: str
    name: str
    platform: str | None
    env: str | None
    description: str | None
    description_aspect: str | None
    owners: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    subtypes: list[str] = field(default_factory=list)
    version: str | None = None
    aliases: list[str] = field(default_factory=list)
    stage: str | None = None
    deprecation: dict[str, Any] | None = None
    removed: bool = False
    updated_at: int = 0
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def is_experiment(self) -> bool:
        return self.type == "container" and "ML Experiment" in self.subtypes


def header(view: EntityView) -> Header:
    row = view.row
    props_name = description_aspect(row.entity_type)
    props = value_of(view, props_name) if props_name else {}
    version = value_of(view, "versionProperties")
    deprecation = value_of(view, "deprecation")
    custom = dict(props.get("customProperties") or {})
    return Header(
        urn=row.urn,
        type=row.entity_type,
        name=display_name(view),
        platform=row.platform,
        env=row.env,
        description=props.get("description"),
        description_aspect=props_name,
        owners=list(value_of(view, "ownership").get("owners", [])),
        tags=[t["tag"] for t in value_of(view, "globalTags").get("tags", [])],
        terms=[t["urn"] for t in value_of(view, "glossaryTerms").get("terms", [])],
        domains=list(value_of(view, "domains").get("domains", [])),
        subtypes=list(value_of(view, "subTypes").get("typeNames", [])),
        version=(version.get("version") or {}).get("versionTag") or _deployment_version(view),
        aliases=[a["versionTag"] for a in version.get("aliases", []) if a.get("versionTag")],
        stage=custom.get("stage"),
        deprecation=deprecation if deprecation.get("deprecated") else None,
        removed=row.removed,
        updated_at=row.updated_at,
        custom=custom,
    )


def _deployment_version(view: EntityView) -> str | None:
    v = value_of(view, "mlModelDeploymentProperties").get("version") or {}
    return v.get("versionTag")
