"""What DataHub's read endpoints answer, built from mlgraph's entity service."""

from __future__ import annotations

from typing import Any

from mlgraph.errors import BadRequest, InvalidInput, MlgraphError, NotFound
from mlgraph.integrations.datahub.records import aspect_response, entity_aspect, key_aspect
from mlgraph.model.registry import ENTITIES, EntitySpec
from mlgraph.model.urn import Urn
from mlgraph.services.entities import EntityService, EntityView


def _parse(raw: str) -> tuple[Urn, EntitySpec | None]:
    try:
        urn = Urn.parse(raw)
    except MlgraphError as exc:
        raise BadRequest(exc.message) from None
    return urn, ENTITIES.get(urn.entity_type)


def _entity(entities: EntityService, urn: str) -> EntityView | None:
    try:
        return entities.get(urn, include_removed=True)
    except NotFound:
        return None


def aspect(entities: EntityService, raw_urn: str, name: str, version: int) -> dict[str, Any]:
    """`GET /aspects/{urn}?aspect=&version=`: version 0 is the latest, 1.. the oldest
    onwards. 404 when the entity or the aspect is absent (the client's `exists()`)."""
    urn, spec = _parse(raw_urn)
    if spec is None:
        raise NotFound(f"mlgraph does not model {urn.entity_type} entities")
    if name == spec.key_aspect:
        if _entity(entities, raw_urn) is None:
            raise NotFound(f"no entity {raw_urn}")
        return aspect_response(name, key_aspect(spec, urn), 0)
    try:
        view = entities.aspect(raw_urn, name, version or None)
    except InvalidInput:  # an aspect this entity type cannot have: so it has none
        raise NotFound(f"no aspect {name} on {raw_urn}") from None
    if view.value is None:
        raise NotFound(f"version {version} of {name} on {raw_urn} is a deletion")
    return aspect_response(name, view.value, 0 if version == 0 else view.version)


def entity(entities: EntityService, raw_urn: str, names: list[str] | None) -> dict[str, Any]:
    """`GET /entitiesV2/{urn}`: every aspect (or those named), plus the key aspect. Like
    DataHub, an absent entity answers with its key aspect alone."""
    urn, spec = _parse(raw_urn)
    out: dict[str, Any] = {"urn": raw_urn, "entityName": urn.entity_type, "aspects": {}}
    if spec is None:
        return out
    view = _entity(entities, raw_urn)
    for name, found in (view.aspects if view else {}).items():
        if found.value is not None and (names is None or name in names):
            out["aspects"][name] = entity_aspect(name, found.value, found)
    out["aspects"][spec.key_aspect] = entity_aspect(
        spec.key_aspect, key_aspect(spec, urn), view.aspects.get(spec.key_aspect) if view else None
    )
    return out


def aspect_list(raw: str | None) -> list[str] | None:
    """Rest.li's `List(a,b)` (or a plain `a,b`) as names."""
    if not raw:
        return None
    text = raw[5:-1] if raw.startswith("List(") and raw.endswith(")") else raw
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None
