"""Field building blocks for aspect schemas: URN references, relationship markers and
the small records that many aspects share (timestamps, version tags, params, metrics).

A relationship is declared on the field that holds the reference, next to its name and
its lineage direction, with `Rel`; the registry reads those markers to derive edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from mlgraph.model.urn import InvalidUrn, Urn


class Lineage(StrEnum):
    """Where the referenced entity sits relative to the entity holding the aspect."""

    UPSTREAM = "upstream"  # the target feeds the holder (dataset -> run)
    DOWNSTREAM = "downstream"  # the holder feeds the target (model -> deployment)


@dataclass(frozen=True, slots=True)
class Rel:
    """Marks a URN field (or list of URNs) as a relationship edge."""

    name: str
    lineage: Lineage | None = None
    targets: tuple[str, ...] = ()

    def __init__(self, name: str, lineage: Lineage | None = None, *targets: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "lineage", lineage)
        object.__setattr__(self, "targets", targets)


@dataclass(frozen=True, slots=True)
class Searchable:
    """Marks a field whose text the full-text index holds (for a URN, its name)."""

    kind: str = "text"  # "text" (prose) or "keyword" (a name or code)


@dataclass(frozen=True, slots=True)
class Facet:
    """Marks a field whose values are a search facet (`subfield` inside list items)."""

    name: str
    subfield: str | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    """Marks a field the structured filter grammar reaches: `params.x`, `metrics.x`
    (lists of {name, value}) or `tags.x` (a string map)."""

    kind: str  # "params", "metrics" or "tags"


def _check_urn(value: str) -> str:
    try:
        Urn.parse(value)
    except InvalidUrn as exc:  # pydantic reports ValueErrors with the field's path
        raise ValueError(exc.message) from None
    return value


UrnStr = Annotated[str, AfterValidator(_check_urn)]
"""A string that must parse as a URN."""


class Record(BaseModel):
    """Base of every nested record: unknown fields are an error, not silently kept."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TimeStamp(Record):
    time: int
    actor: UrnStr | None = None


class AuditStamp(Record):
    time: int
    actor: UrnStr = "urn:li:corpuser:unknown"
    impersonator: UrnStr | None = None
    message: str | None = None


class VersionTag(Record):
    versionTag: str | None = None
    metadataAttribution: dict[str, Any] | None = None


class MLHyperParam(Record):
    name: Annotated[str, Searchable("keyword")]
    description: str | None = None
    value: str | None = None
    createdAt: int | None = None


class MLMetric(Record):
    name: Annotated[str, Searchable("keyword")]
    description: str | None = None
    value: str | None = None
    createdAt: int | None = None


CustomProperties = Annotated[dict[str, str], Searchable("text"), Filter("tags")]
HyperParamList = Annotated[list[MLHyperParam] | None, Filter("params")]
MetricList = Annotated[list[MLMetric] | None, Filter("metrics")]


class MetricPoint(Record):
    """One point of a run's metric history (MLflow's Metric)."""

    key: str
    value: float
    timestamp: int
    step: int = 0


class MetricPoints(Record):
    """The value of an `append_metrics` proposal."""

    points: list[MetricPoint]
