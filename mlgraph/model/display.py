"""How people see an entity: its name and its type's label. One rule, read from what
each entity type declares in the registry (its properties aspect, the name fields in
it, its label), used by search results, the UI, GraphQL and the SDK alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlgraph.model.registry import ENTITIES


def display_name(entity_type: str, key_name: str, aspects: Mapping[str, Any]) -> str:
    """The first name field set in the type's properties aspect, else the URN's key
    name. `aspects` maps aspect names to JSON values; others than the properties
    aspect are ignored, and it may be absent (or None, as a deleted aspect is)."""
    spec = ENTITIES.get(entity_type)
    if spec is None or spec.properties is None:
        return key_name
    props = aspects.get(spec.properties)
    if isinstance(props, Mapping):
        for field in spec.name_fields:
            value = props.get(field)
            if value:
                return str(value)
    return key_name


def name_aspect(entity_type: str) -> str | None:
    """The one aspect a reader needs to name an entity of this type, or None when its
    key names it: fetch only that one."""
    spec = ENTITIES.get(entity_type)
    return spec.properties if spec is not None and spec.name_fields else None


def type_label(entity_type: str) -> str:
    """What people call the type ("ML model"); an unknown type keeps its own name."""
    spec = ENTITIES.get(entity_type)
    return spec.label if spec is not None else entity_type
