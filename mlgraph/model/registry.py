"""The metadata model in one place: entity types, their URN keys, which aspects they
carry, and (read from the aspect schemas) every relationship and searchable field.

Storage, the API, the SDK and the docs read this declaration instead of repeating it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from pydantic import BaseModel

from mlgraph.errors import InvalidInput
from mlgraph.model.aspects import ALL_ASPECTS, Aspect
from mlgraph.model.fields import Facet, Filter, Rel, Searchable
from mlgraph.model.urn import InvalidUrn, Urn


class Env(StrEnum):
    """DataHub's FabricType: the environment a dataset or model lives in."""

    PROD = "PROD"
    DEV = "DEV"
    TEST = "TEST"
    QA = "QA"
    STG = "STG"
    UAT = "UAT"
    EI = "EI"
    PRE = "PRE"
    NON_PROD = "NON_PROD"
    CORP = "CORP"
    RVW = "RVW"
    PRD = "PRD"
    TST = "TST"
    SIT = "SIT"
    SBX = "SBX"
    SANDBOX = "SANDBOX"


ENVS = frozenset(e.value for e in Env)


@dataclass(frozen=True)
class KeyPart:
    name: str
    kind: str = "str"  # "str", "env", "platform" (a bare name) or "urn:<entityType>"


@dataclass(frozen=True)
class EntityKey:
    """The identity fields a URN of this entity type carries."""

    platform: str | None
    name: str
    env: str | None


@dataclass(frozen=True, eq=False)
class EntitySpec:
    name: str
    key: tuple[KeyPart, ...]
    aspects: frozenset[str]
    description: str = ""
    key_aspect: str = ""
    label: str = ""  # what people call the type: "ML model", "Model group"
    # The aspect describing the entity itself (its name, description, custom
    # properties), and the fields of it that name the entity, first given first.
    properties: str | None = None
    name_fields: tuple[str, ...] = ()

    def parse_key(self, urn: Urn) -> EntityKey:
        if len(urn.parts) != len(self.key):
            shape = ",".join(p.name for p in self.key)
            raise InvalidUrn(
                f"URN {urn} has {len(urn.parts)} key part(s); a {self.name} URN has "
                f"{len(self.key)}: ({shape})"
            )
        platform = env = None
        for part, value in zip(self.key, urn.parts, strict=True):
            if part.kind == "env":
                if value not in ENVS:
                    raise InvalidUrn(
                        f"URN {urn}: {value!r} is not an environment; use one of "
                        f"{', '.join(sorted(ENVS))}"
                    )
                env = value
            elif part.kind.startswith("urn:"):
                nested = Urn.parse(value)
                want = part.kind[4:]
                if want and nested.entity_type != want:
                    raise InvalidUrn(
                        f"URN {urn}: key part {part.name!r} must be a {want} URN, got {value!r}"
                    )
                if want == "dataPlatform":
                    platform = nested.parts[0]
            elif part.kind == "platform":  # a bare tool name: looker, airflow
                platform = value
        name_index = next(
            (i for i, p in enumerate(self.key) if p.name in ("name", "id", "guid")),
            len(self.key) - 1,
        )
        if self.name in ("mlFeature", "mlPrimaryKey"):
            platform = None
        return EntityKey(platform=platform, name=urn.parts[name_index], env=env)


@dataclass(frozen=True)
class RelPath:
    """Where, inside an aspect's JSON, the URNs of one relationship are found."""

    path: tuple[str, ...]  # field names; "[]" steps into every element of a list
    rel: Rel

    @property
    def extract(self) -> Callable[[Any], list[Any]]:
        """A function returning the values at `path` (compiled once per path)."""
        return compile_path(self.path)

    @property
    def dotted(self) -> str:
        return ".".join(self.path).replace(".[]", "[]")


@dataclass(frozen=True)
class SearchPath:
    path: tuple[str, ...]
    kind: str

    @property
    def extract(self) -> Callable[[Any], list[Any]]:
        return compile_path(self.path)


@dataclass(frozen=True)
class FacetPath:
    """Values of facet `name` (e.g. alias, subtype) found at `path`."""

    path: tuple[str, ...]
    name: str

    @property
    def extract(self) -> Callable[[Any], list[Any]]:
        return compile_path(self.path)


@dataclass(frozen=True)
class FilterPath:
    """Where the filter grammar's `params.*`, `metrics.*` or `tags.*` keys live."""

    path: tuple[str, ...]
    kind: str

    @property
    def extract(self) -> Callable[[Any], list[Any]]:
        return compile_path(self.path)


@dataclass(frozen=True, eq=False)  # one instance per aspect: identity hashing is cheap
class AspectSpec:
    name: str
    schema: type[Aspect]
    relationships: tuple[RelPath, ...] = ()
    searchable: tuple[SearchPath, ...] = ()
    facets: tuple[FacetPath, ...] = ()
    filters: tuple[FilterPath, ...] = ()
    entity_types: frozenset[str] = field(default_factory=frozenset)

    @property
    def indexed(self) -> bool:
        """Whether writes of this aspect touch the search index."""
        return bool(self.searchable or self.facets or self.filters)


def _model_classes(tp: Any) -> Iterator[tuple[bool, type[BaseModel]]]:
    """Yield (is_list, model class) for each pydantic model reachable in an annotation."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        yield from _model_classes(typing.get_args(tp)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            yield from _model_classes(arg)
    elif origin is list:
        for _is_list, cls in _model_classes(typing.get_args(tp)[0]):
            yield True, cls
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield False, tp


def _is_list(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(tp))
    return origin is list


def _walk_schema(
    model: type[BaseModel], prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for fname, info in model.model_fields.items():
        path = (*prefix, fname)
        for marker in info.metadata:
            if isinstance(marker, Rel | Searchable | Facet):
                tail: tuple[str, ...] = ("[]",) if _is_list(info.annotation) else ()
                if isinstance(marker, Facet) and marker.subfield:
                    tail += (marker.subfield,)
                yield path + tail, marker
            elif isinstance(marker, Filter):
                yield path, marker
        for is_list, cls in _model_classes(info.annotation):
            yield from _walk_schema(cls, path + (("[]",) if is_list else ()))


def values_at(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """Every value found at `path` in a JSON document ("[]" fans out over lists)."""
    if path and path[0] != "[]" and (not isinstance(value, dict) or value.get(path[0]) is None):
        return  # the common case on ingest: the field is absent
    if not path:
        if value is not None:
            yield value
        return
    step, rest = path[0], path[1:]
    if step == "[]":
        if isinstance(value, list):
            for item in value:
                yield from values_at(item, rest)
    elif isinstance(value, dict):
        yield from values_at(value.get(step), rest)


@cache
def compile_path(path: tuple[str, ...]) -> Callable[[Any], list[Any]]:
    """Like `values_at`, as nested closures: this runs for every aspect on ingest."""
    if not path:
        return lambda v: [] if v is None else [v]
    step, inner = path[0], compile_path(path[1:])
    if step == "[]":

        def each(v: Any) -> list[Any]:
            if not isinstance(v, list):
                return []
            out: list[Any] = []
            for item in v:
                out.extend(inner(item))
            return out

        return each
    if len(path) == 1:
        return lambda v: [x] if isinstance(v, dict) and (x := v.get(step)) is not None else []

    def field(v: Any) -> list[Any]:
        if not isinstance(v, dict):
            return []
        x = v.get(step)
        return [] if x is None else inner(x)

    return field


def _aspect_spec(schema: type[Aspect]) -> AspectSpec:
    rels: list[RelPath] = []
    search: list[SearchPath] = []
    facets: list[FacetPath] = []
    filters: list[FilterPath] = []
    for path, marker in _walk_schema(schema, ()):
        if isinstance(marker, Rel):
            rels.append(RelPath(path, marker))
        elif isinstance(marker, Searchable):
            search.append(SearchPath(path, marker.kind))
        elif isinstance(marker, Facet):
            facets.append(FacetPath(path, marker.name))
        elif isinstance(marker, Filter):
            filters.append(FilterPath(path, marker.kind))
    return AspectSpec(
        schema.ASPECT_NAME, schema, tuple(rels), tuple(search), tuple(facets), tuple(filters)
    )


COMMON = frozenset(
    {
        "ownership",
        "globalTags",
        "glossaryTerms",
        "domains",
        "status",
        "deprecation",
        "subTypes",
        "dataPlatformInstance",
        "institutionalMemory",
    }
)
MODEL_CARD = frozenset(
    {
        "intendedUse",
        "mlModelEthicalConsiderations",
        "mlModelCaveatsAndRecommendations",
        "mlModelTrainingData",
        "mlModelEvaluationData",
        "mlModelFactorPrompts",
        "mlModelQuantitativeAnalyses",
        "mlModelMetrics",
        "sourceCode",
        "cost",
    }
)
_PLATFORM_NAME_ENV = (
    KeyPart("platform", "urn:dataPlatform"),
    KeyPart("name"),
    KeyPart("origin", "env"),
)


def _spec(
    name: str,
    key: tuple[KeyPart, ...],
    aspects: set[str] | frozenset[str],
    doc: str,
    key_aspect: str,
    *,
    label: str,
    properties: str | None,
    names: tuple[str, ...],
) -> EntitySpec:
    return EntitySpec(name, key, frozenset(aspects), doc, key_aspect, label, properties, names)


ENTITIES: dict[str, EntitySpec] = {
    s.name: s
    for s in (
        _spec(
            "dataPlatform",
            (KeyPart("platformName"),),
            {"dataPlatformInfo"},
            "A system that hosts data or models (mlflow, snowflake, sagemaker).",
            "dataPlatformKey",
            label="Platform",
            properties="dataPlatformInfo",
            names=("displayName", "name"),
        ),
        _spec(
            "dataset",
            _PLATFORM_NAME_ENV,
            COMMON
            | {
                "datasetProperties",
                "schemaMetadata",
                "upstreamLineage",
                "versionProperties",
                "container",
            },
            "A table, file or feature set; training input or predictions output.",
            "datasetKey",
            label="Dataset",
            properties="datasetProperties",
            names=("name",),
        ),
        _spec(
            "schemaField",
            (KeyPart("parent", "urn:"), KeyPart("fieldPath")),
            {"status"},
            "One column of a dataset, so lineage and impact analysis reach columns.",
            "schemaFieldKey",
            label="Column",
            properties=None,
            names=(),
        ),
        _spec(
            "mlModel",
            _PLATFORM_NAME_ENV,
            COMMON
            | MODEL_CARD
            | {"mlModelProperties", "mlModelDetails", "versionProperties", "container"},
            "A trained model (one version of a model group).",
            "mlModelKey",
            label="ML model",
            properties="mlModelProperties",
            names=("name",),
        ),
        _spec(
            "mlModelGroup",
            _PLATFORM_NAME_ENV,
            COMMON | {"mlModelGroupProperties", "container"},
            "A family of models, e.g. every version of a registered model.",
            "mlModelGroupKey",
            label="Model group",
            properties="mlModelGroupProperties",
            names=("name",),
        ),
        _spec(
            "mlModelDeployment",
            _PLATFORM_NAME_ENV,
            COMMON | {"mlModelDeploymentProperties", "container"},
            "A running endpoint that serves a model.",
            "mlModelDeploymentKey",
            label="Deployment",
            properties="mlModelDeploymentProperties",
            names=("name",),
        ),
        _spec(
            "mlFeature",
            (KeyPart("featureNamespace"), KeyPart("name")),
            COMMON | {"mlFeatureProperties"},
            "One model input, derived from dataset columns.",
            "mlFeatureKey",
            label="Feature",
            properties="mlFeatureProperties",
            names=(),
        ),
        _spec(
            "mlPrimaryKey",
            (KeyPart("featureNamespace"), KeyPart("name")),
            COMMON | {"mlPrimaryKeyProperties"},
            "The key a feature table is indexed by.",
            "mlPrimaryKeyKey",
            label="Primary key",
            properties="mlPrimaryKeyProperties",
            names=(),
        ),
        _spec(
            "mlFeatureTable",
            (KeyPart("platform", "urn:dataPlatform"), KeyPart("name")),
            COMMON | {"mlFeatureTableProperties"},
            "A set of features, usually from a feature store.",
            "mlFeatureTableKey",
            label="Feature table",
            properties="mlFeatureTableProperties",
            names=(),
        ),
        _spec(
            "dataProcessInstance",
            (KeyPart("id"),),
            COMMON
            | {
                "dataProcessInstanceProperties",
                "dataProcessInstanceInput",
                "dataProcessInstanceOutput",
                "dataProcessInstanceRunEvent",
                "dataProcessInstanceRelationships",
                "mlTrainingRunProperties",
                "container",
            },
            "A run of a process; with subtype 'ML Training Run', a training run.",
            "dataProcessInstanceKey",
            label="Run (process instance)",
            properties="dataProcessInstanceProperties",
            names=("name",),
        ),
        _spec(
            "container",
            (KeyPart("guid"),),
            COMMON | {"containerProperties", "container"},
            "A grouping of assets; with subtype 'ML Experiment', an experiment.",
            "containerKey",
            label="Container",
            properties="containerProperties",
            names=("name",),
        ),
        _spec(
            "dataFlow",
            (KeyPart("orchestrator", "platform"), KeyPart("flowId"), KeyPart("cluster")),
            COMMON | {"dataFlowInfo"},
            "A pipeline, e.g. a feature-engineering pipeline.",
            "dataFlowKey",
            label="Pipeline",
            properties="dataFlowInfo",
            names=("name",),
        ),
        _spec(
            "dataJob",
            (KeyPart("flow", "urn:dataFlow"), KeyPart("jobId")),
            COMMON | {"dataJobInfo", "dataJobInputOutput"},
            "One task of a pipeline.",
            "dataJobKey",
            label="Pipeline task",
            properties="dataJobInfo",
            names=("name",),
        ),
        _spec(
            "dashboard",
            (KeyPart("dashboardTool", "platform"), KeyPart("dashboardId")),
            COMMON | {"dashboardInfo", "container"},
            "A dashboard over datasets or model output.",
            "dashboardKey",
            label="Dashboard",
            properties="dashboardInfo",
            names=("title",),
        ),
        _spec(
            "versionSet",
            (KeyPart("id"), KeyPart("entityType")),
            {"versionSetProperties"},
            "All versions of one model.",
            "versionSetKey",
            label="Version set",
            properties="versionSetProperties",
            names=(),
        ),
        _spec(
            "corpuser",
            (KeyPart("username"),),
            {"corpUserInfo", "status", "globalTags"},
            "A person.",
            "corpUserKey",
            label="User",
            properties="corpUserInfo",
            names=("displayName", "fullName"),
        ),
        _spec(
            "corpGroup",
            (KeyPart("name"),),
            {"corpGroupInfo", "ownership", "status"},
            "A team.",
            "corpGroupKey",
            label="Group",
            properties="corpGroupInfo",
            names=("displayName",),
        ),
        _spec(
            "tag",
            (KeyPart("name"),),
            {"tagProperties", "ownership", "status"},
            "A free-form label.",
            "tagKey",
            label="Tag",
            properties="tagProperties",
            names=("name",),
        ),
        _spec(
            "glossaryTerm",
            (KeyPart("name"),),
            {"glossaryTermInfo", "ownership", "status", "domains"},
            "A business term.",
            "glossaryTermKey",
            label="Glossary term",
            properties="glossaryTermInfo",
            names=("name",),
        ),
        _spec(
            "domain",
            (KeyPart("id"),),
            {"domainProperties", "ownership", "status"},
            "An organisational area that owns assets.",
            "domainKey",
            label="Domain",
            properties="domainProperties",
            names=("name",),
        ),
    )
}

ASPECTS: dict[str, AspectSpec] = {}
for _name, _schema in ALL_ASPECTS.items():
    _base = _aspect_spec(_schema)
    ASPECTS[_name] = dataclasses.replace(
        _base, entity_types=frozenset(e.name for e in ENTITIES.values() if _name in e.aspects)
    )

_undeclared = {a for e in ENTITIES.values() for a in e.aspects} - ASPECTS.keys()
assert not _undeclared, f"entities name aspects with no schema: {_undeclared}"


def naming_problems(spec: EntitySpec) -> list[str]:
    """What is wrong with how an entity type declares its label and its names: a
    properties aspect it does not carry, a name field its schema lacks."""
    problems = [] if spec.label else [f"{spec.name} has no label"]
    if spec.properties is None:
        if spec.name_fields:
            problems.append(f"{spec.name} names name fields but no properties aspect")
        return problems
    if spec.properties not in spec.aspects:
        return [*problems, f"{spec.name} does not carry its properties aspect {spec.properties}"]
    fields = ASPECTS[spec.properties].schema.model_fields
    problems += [
        f"{spec.name}: {spec.properties} has no field {f!r}"
        for f in spec.name_fields
        if f not in fields
    ]
    return problems


_misnamed = [p for e in ENTITIES.values() for p in naming_problems(e)]
assert not _misnamed, f"entity types declare their names wrongly: {_misnamed}"


def entity_spec(entity_type: str) -> EntitySpec:
    spec = ENTITIES.get(entity_type)
    if spec is None:
        raise InvalidInput(
            f"unknown entity type {entity_type!r}; known types: {', '.join(sorted(ENTITIES))}"
        )
    return spec


def parse_urn(raw: Any) -> tuple[Urn, EntitySpec, EntityKey]:
    """Parse a URN of a known entity type and check its key shape."""
    if isinstance(raw, str):
        return _parse_known(raw)
    return _parse_known_uncached(raw)


@lru_cache(maxsize=100_000)
def _parse_known(raw: str) -> tuple[Urn, EntitySpec, EntityKey]:
    return _parse_known_uncached(raw)


def _parse_known_uncached(raw: Any) -> tuple[Urn, EntitySpec, EntityKey]:
    urn = Urn.parse(raw)
    spec = ENTITIES.get(urn.entity_type)
    if spec is None:
        raise InvalidUrn(
            f"URN {raw!r} names unknown entity type {urn.entity_type!r}; known types: "
            f"{', '.join(sorted(ENTITIES))}"
        )
    return urn, spec, spec.parse_key(urn)


def aspect_spec(entity: EntitySpec, aspect: str) -> AspectSpec:
    spec = ASPECTS.get(aspect)
    if spec is None:
        raise InvalidInput(f"unknown aspect {aspect!r}")
    if aspect not in entity.aspects:
        raise InvalidInput(
            f"aspect {aspect!r} does not belong to entity type {entity.name!r}; it takes: "
            f"{', '.join(sorted(entity.aspects))}"
        )
    return spec
