"""Resolvers for entities: the Query fields that fetch them, the fields every entity
type shares (the `Entity` interface), and each type's own aspect-backed fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from ariadne import InterfaceType, ObjectType, QueryType
from graphql import GraphQLResolveInfo

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.graphql import lineage
from mlgraph.graphql.context import Ref, context, ref
from mlgraph.graphql.names import BY_TYPE, KINDS, Kind
from mlgraph.model.display import display_name, name_aspect
from mlgraph.model.registry import ENTITIES
from mlgraph.model.urn import Urn

MAX_RELATIONSHIPS = 1000
# DataHub's `name` is the key name on these (a dataset's display name is
# properties.name; a platform's, properties.displayName); `displayName` is the model's.
KEY_NAMED = {"dataset", "schemaField", "dataPlatform"}

Resolver = Callable[..., Any]


# --- Query ---------------------------------------------------------------------------


def _existing(info: GraphQLResolveInfo, urn: str) -> Ref | None:
    r = ref(urn)
    return r if context(info).view(urn) is not None else None


def resolve_entity(_: Any, info: GraphQLResolveInfo, urn: str) -> Ref | None:
    return _existing(info, urn)


def resolve_entities(_: Any, info: GraphQLResolveInfo, urns: list[str]) -> list[Ref | None]:
    return [_existing(info, u) for u in urns]


def _typed_entity(kind: Kind) -> Resolver:
    def resolve(_: Any, info: GraphQLResolveInfo, urn: str) -> Ref | None:
        r = ref(urn)
        if r.entity_type != kind.entity_type:
            raise InvalidInput(
                f"{urn} is a {r.entity_type} URN; {kind.query_field}(urn:) takes a "
                f"{kind.entity_type} URN (or ask entity(urn:))"
            )
        return _existing(info, urn)

    return resolve


# --- the Entity interface ---------------------------------------------------------------


def _aspect(name: str) -> Resolver:
    def resolve(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any] | None:
        return context(info).aspect(obj.urn, name)

    return resolve


def _properties(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    aspect = ENTITIES[obj.entity_type].properties
    return context(info).aspect(obj.urn, aspect) if aspect else None


def _display_name(obj: Ref, info: GraphQLResolveInfo) -> str:
    aspect = name_aspect(obj.entity_type)
    values = {aspect: context(info).aspect(obj.urn, aspect)} if aspect else {}
    return display_name(obj.entity_type, obj.key.name, values)


def _name(obj: Ref, info: GraphQLResolveInfo) -> str:
    return obj.key.name if obj.entity_type in KEY_NAMED else _display_name(obj, info)


def _platform(obj: Ref, _: GraphQLResolveInfo) -> Ref | None:
    platform = obj.key.platform
    return Ref(f"urn:li:dataPlatform:{platform}", "dataPlatform") if platform else None


def _created(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    props = _properties(obj, info) or {}
    if isinstance(props.get("created"), dict):
        stamp: dict[str, Any] = props["created"]
        return stamp
    if isinstance(props.get("createdAt"), int):
        return {"time": props["createdAt"]}
    return None


def _last_ingested(obj: Ref, info: GraphQLResolveInfo) -> int | None:
    view = context(info).view(obj.urn)
    return view.row.updated_at if view is not None else None


def _domain(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    domains = (context(info).aspect(obj.urn, "domains") or {}).get("domains") or []
    return {"domain": ref(domains[0])} if domains else None


def _raw_aspects(
    obj: Ref, info: GraphQLResolveInfo, names: list[str] | None = None
) -> list[dict[str, Any]]:
    try:  # the service checks each name belongs to this entity type
        view = context(info).services.entities.get(obj.urn, names)
    except NotFound:
        return []
    return [
        {
            "aspectName": a.name,
            "version": a.version,
            "payload": orjson.dumps(a.value).decode() if a.value is not None else None,
            "value": a.value,
            "createdAt": a.created_at,
            "actor": a.actor,
            "runId": a.run_id,
        }
        for a in sorted(view.aspects.values(), key=lambda a: a.name)
    ]


def _relationships(
    obj: Ref,
    info: GraphQLResolveInfo,
    direction: str = "both",
    types: list[str] | None = None,
    start: int = 0,
    count: int = 100,
) -> dict[str, Any]:
    if start < 0 or not 0 <= count <= MAX_RELATIONSHIPS:
        raise InvalidInput(f"start must be >= 0 and count between 0 and {MAX_RELATIONSHIPS}")
    try:
        rows = context(info).services.entities.relationships(
            obj.urn, direction=direction, types=types
        )
    except NotFound:
        rows = []
    page = rows[start : start + count]
    return {
        "start": start,
        "count": len(page),
        "total": len(rows),
        "relationships": [
            {
                "type": r["type"],
                "direction": r["direction"],
                "entity": ref(r["urn"]),
                "aspect": r["aspect"],
                "isLineage": bool(r["lineage"]),
            }
            for r in page
        ],
    }


def _container(obj: Ref, info: GraphQLResolveInfo) -> Ref | None:
    urn = (context(info).aspect(obj.urn, "container") or {}).get("container")
    return ref(urn) if urn else None


def _parent_containers(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any]:
    chain: list[Ref] = []
    seen = {obj.urn}
    parent = _container(obj, info)
    while parent is not None and parent.urn not in seen:
        chain.append(parent)
        seen.add(parent.urn)
        parent = _container(parent, info)
    return {"count": len(chain), "containers": chain}


COMMON: dict[str, Resolver] = {
    "type": lambda obj, _: obj.entity_type,
    "exists": lambda obj, info: context(info).view(obj.urn) is not None,
    "name": _name,
    "displayName": _display_name,
    "platform": _platform,
    "origin": lambda obj, _: obj.key.env,
    "created": _created,
    "lastIngested": _last_ingested,
    "ownership": _aspect("ownership"),
    "tags": _aspect("globalTags"),
    "glossaryTerms": _aspect("glossaryTerms"),
    "domain": _domain,
    "status": _aspect("status"),
    "deprecation": _aspect("deprecation"),
    "subTypes": _aspect("subTypes"),
    "institutionalMemory": _aspect("institutionalMemory"),
    "aspects": _raw_aspects,
    "relationships": _relationships,
    "lineage": lineage.resolve_entity_lineage,
}
CONTAINED = {"container": _container, "parentContainers": _parent_containers}


# --- each type's own fields --------------------------------------------------------------


def _list_of(aspect: str, field: str) -> Resolver:
    def resolve(obj: Ref, info: GraphQLResolveInfo) -> list[Any] | None:
        value = context(info).aspect(obj.urn, aspect)
        return value.get(field) if value is not None else None

    return resolve


def _cost(obj: Ref, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    value = context(info).aspect(obj.urn, "cost")
    if value is None:
        return None
    return {"costType": value.get("costType"), **(value.get("cost") or {})}


def _first_key_part(urn: str) -> str:
    """The nested URN a dataJob or schemaField key starts with (its flow, its parent)."""
    return Urn.parse(urn).parts[0]


def _latest_version(obj: Ref, info: GraphQLResolveInfo) -> Ref | None:
    latest = (context(info).aspect(obj.urn, "versionSetProperties") or {}).get("latest")
    return ref(latest) if latest else None


OWN: dict[str, dict[str, Resolver]] = {
    "dataset": {
        **CONTAINED,
        "schemaMetadata": _aspect("schemaMetadata"),
        "versionProperties": _aspect("versionProperties"),
    },
    "schemaField": {
        "fieldPath": lambda obj, _: obj.key.name,
        "parent": lambda obj, _: ref(_first_key_part(obj.urn)),
    },
    "mlModel": {
        **CONTAINED,
        "versionProperties": _aspect("versionProperties"),
        "details": _aspect("mlModelDetails"),
        "intendedUse": _aspect("intendedUse"),
        "ethicalConsiderations": _aspect("mlModelEthicalConsiderations"),
        "caveatsAndRecommendations": _aspect("mlModelCaveatsAndRecommendations"),
        "trainingData": _list_of("mlModelTrainingData", "trainingData"),
        "evaluationData": _list_of("mlModelEvaluationData", "evaluationData"),
        "factorPrompts": _aspect("mlModelFactorPrompts"),
        "quantitativeAnalyses": _aspect("mlModelQuantitativeAnalyses"),
        "metrics": _aspect("mlModelMetrics"),
        "sourceCode": _aspect("sourceCode"),
        "cost": _cost,
    },
    "mlModelGroup": CONTAINED,
    "mlModelDeployment": CONTAINED,
    "container": CONTAINED,
    "dashboard": CONTAINED,
    "dataProcessInstance": {
        **CONTAINED,
        "mlTrainingRunProperties": _aspect("mlTrainingRunProperties"),
        "runEvent": _aspect("dataProcessInstanceRunEvent"),
    },
    "dataJob": {
        "dataFlow": lambda obj, _: ref(_first_key_part(obj.urn)),
        "inputOutput": _aspect("dataJobInputOutput"),
    },
    "corpuser": {"username": lambda obj, _: obj.key.name},
    "versionSet": {"latestVersion": _latest_version},
}


def _resolve_type(obj: Ref, *_: Any) -> str:
    return BY_TYPE[obj.entity_type].graphql


def bind(query: QueryType) -> list[Any]:
    """Bind the entity Query fields; return the interface and entity object types."""
    query.set_field("entity", resolve_entity)
    query.set_field("entities", resolve_entities)
    for kind in KINDS:
        query.set_field(kind.query_field, _typed_entity(kind))
    interface = InterfaceType("Entity", _resolve_type)
    types: list[Any] = [interface]
    for kind in KINDS:
        obj = ObjectType(kind.graphql)
        for field, resolver in {**COMMON, **OWN.get(kind.entity_type, {})}.items():
            obj.set_field(field, resolver)
        if ENTITIES[kind.entity_type].properties:
            obj.set_field("properties", _properties)
        types.append(obj)
    return types
