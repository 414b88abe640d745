"""Resolvers inside aspects: the fields whose GraphQL shape differs from the stored
JSON (URNs that become entities, renamed or nested fields). Every other field is the
aspect's own key, read by the default resolver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo

from mlgraph.graphql.context import Ref, ref, refs

Resolver = Callable[..., Any]


def _entity(key: str) -> Resolver:
    """The entity named by the URN at `key`."""

    def resolve(obj: dict[str, Any], _: GraphQLResolveInfo) -> Ref | None:
        urn = obj.get(key)
        return ref(urn) if urn else None

    return resolve


def _entities(key: str) -> Resolver:
    """The entities named by the list of URNs at `key` (null when the key is absent)."""

    def resolve(obj: dict[str, Any], _: GraphQLResolveInfo) -> list[Ref] | None:
        urns = obj.get(key)
        return refs(urns) if urns is not None else None

    return resolve


def _all_entities(key: str) -> Resolver:
    def resolve(obj: dict[str, Any], _: GraphQLResolveInfo) -> list[Ref]:
        return refs(obj.get(key))

    return resolve


def _renamed(key: str) -> Resolver:
    return lambda obj, _: obj.get(key)


def _version_string(obj: dict[str, Any], _: GraphQLResolveInfo) -> str | None:
    version = obj.get("version") or {}
    tag = version.get("versionTag")
    return str(tag) if tag is not None else None


def _lineage_info(obj: dict[str, Any], _: GraphQLResolveInfo) -> dict[str, Any]:
    return {"trainingJobs": obj.get("trainingJobs"), "downstreamJobs": obj.get("downstreamJobs")}


def _or_empty(key: str) -> Resolver:
    return lambda obj, _: obj.get(key) or []


FIELDS: dict[str, dict[str, Resolver]] = {
    "Owner": {"owner": _entity("owner")},
    "TagAssociation": {"tag": _entity("tag")},
    "GlossaryTermAssociation": {"term": _entity("urn")},
    "Deprecation": {"replacement": _entity("replacement")},
    "InstitutionalMemoryMetadata": {"created": _renamed("createStamp")},
    "VersionProperties": {"versionSet": _entity("versionSet")},
    "MLModelProperties": {
        "version": _version_string,
        "groups": _entities("groups"),
        "deployments": _entities("deployments"),
        "mlModelLineageInfo": _lineage_info,
    },
    "MLModelGroupProperties": {"mlModelLineageInfo": _lineage_info},
    "MLModelDetails": {"dashboard": _entity("dashboard")},
    "BaseData": {"dataset": _entity("dataset")},
    "MLFeatureProperties": {"sources": _entities("sources")},
    "MLPrimaryKeyProperties": {"sources": _entities("sources")},
    "MLFeatureTableProperties": {
        "mlFeatures": _entities("mlFeatures"),
        "mlPrimaryKeys": _entities("mlPrimaryKeys"),
    },
    "DataProcessRunResult": {"resultType": _renamed("type")},
    "DataJobInputOutput": {
        "inputDatasets": _all_entities("inputDatasets"),
        "outputDatasets": _all_entities("outputDatasets"),
        "inputDatajobs": _all_entities("inputDatajobs"),
    },
    "DashboardProperties": {"name": _renamed("title"), "datasets": _all_entities("datasets")},
    "CorpGroupProperties": {"members": _all_entities("members")},
    "DomainProperties": {"parentDomain": _entity("parentDomain")},
    "SchemaMetadata": {"fields": _or_empty("fields")},
    "Ownership": {"owners": _or_empty("owners")},
    "GlobalTags": {"tags": _or_empty("tags")},
    "GlossaryTerms": {"terms": _or_empty("terms")},
    "SubTypes": {"typeNames": _or_empty("typeNames")},
    "InstitutionalMemory": {"elements": _or_empty("elements")},
    "SourceCode": {"sourceCode": _or_empty("sourceCode")},
}


def bindables() -> list[ObjectType]:
    out = []
    for type_name, fields in FIELDS.items():
        obj = ObjectType(type_name)
        for field, resolver in fields.items():
            obj.set_field(field, resolver)
        out.append(obj)
    return out
