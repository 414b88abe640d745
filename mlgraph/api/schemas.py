"""Response models: they document the API (OpenAPI) and pin its shapes (a test checks
every route's answer against its model).

Where the SDK returns a type of the very shape a route sends (a write result, an
aspect version, a lineage walk, an impact report...), that frozen dataclass is the
declaration, used here as is or extended; the SDK thereby stays free of FastAPI, and
its public types keep their behaviour. Shapes the SDK reads differently from the wire
(training data, the lineage diff) or does not read at all are declared here alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from mlgraph.sdk.lineage_types import (
    Approval,
    ApprovalRequest,
    Endpoint,
    Impact,
    Lineage,
    RelatedEntity,
    SetDiff,
    ValueChange,
)
from mlgraph.sdk.types import AspectDiff, AspectVersion, EntitySummary, Relationship, WriteResult

__all__ = [
    "ERRORS",
    "Approval",
    "ApprovalRequest",
    "ApprovalRequestsOut",
    "AspectDiff",
    "AspectOut",
    "AspectTypeOut",
    "AspectVersion",
    "AuditOut",
    "BatchOut",
    "CommitOut",
    "ComparisonOut",
    "DatasetDiffOut",
    "EndpointsOut",
    "EntityOut",
    "EntityPage",
    "EntityTypeOut",
    "ErrorBody",
    "ErrorOut",
    "HealthOut",
    "HistoryOut",
    "Impact",
    "KeyPartOut",
    "Lineage",
    "LineagePage",
    "MetricHistoryOut",
    "MetricPoint",
    "ModelOut",
    "NewTokenOut",
    "PrincipalOut",
    "RegistryEvent",
    "RegistryHistoryOut",
    "RelationshipDeclOut",
    "RelationshipsOut",
    "RolesOut",
    "SearchOut",
    "SearchResult",
    "SearchableOut",
    "StatsOut",
    "TokenOut",
    "TokensOut",
    "TrainingDataOut",
    "TrainingDatasetOut",
    "UserOut",
    "UsersOut",
    "VersionChangeOut",
]


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable error code")
    message: str = Field(description="what went wrong and what to fix")
    details: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


# --- entities and aspects ----------------------------------------------------------


class AspectOut(BaseModel):
    """One version of an aspect, as an entity or a history lists it (the URN and the
    aspect name are the enclosing object's)."""

    value: dict[str, Any] | None
    version: int
    created_at: int = Field(description="epoch milliseconds of the write")
    actor: str
    run_id: str | None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class EntityOut(EntitySummary):
    """An entity with the latest version of its aspects."""

    aspects: dict[str, AspectOut]


class EntityPage(BaseModel):
    entities: list[EntitySummary]
    next_cursor: str | None


class HistoryOut(BaseModel):
    urn: str
    aspect: str
    versions: list[AspectOut]


class BatchOut(BaseModel):
    results: list[WriteResult]


class RelationshipsOut(BaseModel):
    urn: str
    relationships: list[Relationship]


class MetricPoint(BaseModel):
    key: str
    timestamp: int = Field(description="epoch milliseconds")
    step: int
    value: float | str = Field(description='a number, or "NaN" (JSON has no NaN)')


class MetricHistoryOut(BaseModel):
    urn: str
    key: str
    points: list[MetricPoint]
    next_cursor: str | None


# --- search --------------------------------------------------------------------------


class SearchResult(BaseModel):
    urn: str
    type: str
    platform: str | None
    name: str = Field(description="the URN's key name")
    env: str | None
    display_name: str = Field(description="what people call it (the model's one rule)")
    description: str | None
    updated_at: int


class SearchOut(BaseModel):
    total: int = Field(description="matches, counted up to 10,000 unless exact_total")
    total_exact: bool
    results: list[SearchResult]
    facets: dict[str, dict[str, int]] = Field(description="facet -> value -> matches")
    facets_exact: bool
    ranked_recent: bool
    next_cursor: str | None


# --- lineage and provenance ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineagePage(Lineage):
    """One page of a lineage walk: the page's nodes, the edges touching them."""

    total: int  # nodes in the whole walk
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TrainingDatasetOut(RelatedEntity):
    """A dataset that trained (or evaluated) the model, and what consumed it."""

    role: str  # "training" or "evaluation"
    via: tuple[str, ...]


class TrainingDataOut(BaseModel):
    urn: str
    models: list[str]
    training_runs: list[str]
    training_datasets: list[TrainingDatasetOut]
    upstream_datasets: list[RelatedEntity]


class EndpointsOut(BaseModel):
    urn: str
    endpoints: list[Endpoint]


class VersionChangeOut(BaseModel):
    a: str
    b: str
    from_: str | None = Field(alias="from", description="A's dataset name")
    to: str | None = Field(description="B's dataset name")


@dataclass(frozen=True, slots=True)
class DatasetDiffOut(SetDiff):
    changed_versions: tuple[VersionChangeOut, ...]


class CommitOut(BaseModel):
    a: str | None
    b: str | None
    changed: bool


class ComparisonOut(BaseModel):
    a: str
    b: str
    datasets: DatasetDiffOut
    hyperparameters: list[ValueChange]
    metrics: list[ValueChange]
    features: SetDiff
    source_code: SetDiff
    git_commit: CommitOut
    run_properties: list[ValueChange]
    training_runs: SetDiff
    deployments: SetDiff
    summary: list[str]


class RegistryEvent(BaseModel):
    time: int = Field(description="epoch milliseconds")
    actor: str
    kind: str = Field(description="stage or alias")
    version: str | None = None
    alias: str | None = None
    from_: str | None = Field(alias="from")
    to: str | None


class RegistryHistoryOut(BaseModel):
    urn: str
    events: list[RegistryEvent]


# --- the service itself --------------------------------------------------------------


class HealthOut(BaseModel):
    status: str
    version: str


class StatsOut(BaseModel):
    entities: dict[str, int] = Field(description="live entities per type")
    total: int


class KeyPartOut(BaseModel):
    name: str
    kind: str


class EntityTypeOut(BaseModel):
    description: str
    key: list[KeyPartOut]
    aspects: list[str]


class RelationshipDeclOut(BaseModel):
    path: str
    name: str
    lineage: str | None
    targets: list[str]


class SearchableOut(BaseModel):
    path: str
    kind: str


class AspectTypeOut(BaseModel):
    entity_types: list[str]
    relationships: list[RelationshipDeclOut]
    searchable: list[SearchableOut]
    schema_: dict[str, Any] = Field(alias="schema", description="the value's JSON Schema")


class ModelOut(BaseModel):
    entities: dict[str, EntityTypeOut]
    aspects: dict[str, AspectTypeOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 409, 413, 422)
}


class PrincipalOut(BaseModel):
    urn: str
    authenticated: bool
    roles: list[str]
    groups: list[str]
    token_id: str | None
    auth: str = Field(description="`on` or `off`: whether this server checks credentials")


class TokenOut(BaseModel):
    id: str
    owner: str
    name: str
    created_at: int
    expires_at: int
    last_used_at: int | None
    revoked_at: int | None


class NewTokenOut(BaseModel):
    token: TokenOut
    secret: str = Field(description="the token itself: shown this once, never again")


class TokensOut(BaseModel):
    tokens: list[TokenOut]


class UserOut(BaseModel):
    urn: str
    roles: list[str]
    disabled: bool
    has_password: bool
    created_at: int


class UsersOut(BaseModel):
    users: list[UserOut]


class RolesOut(BaseModel):
    principal: str
    roles: list[str]


class ApprovalRequestsOut(BaseModel):
    requests: list[ApprovalRequest]


class AuditEntryOut(BaseModel):
    id: int
    at: int = Field(description="epoch milliseconds")
    kind: str
    actor: str = Field(description="the user URN who acted (or tried to)")
    token_id: str | None = Field(description="the API token the request came with")
    door: str | None = Field(description="rest, ui, mlflow, datahub or internal")
    address: str | None = Field(description="the client's IP address")
    urn: str | None
    aspect: str | None
    version_before: int | None
    version_after: int | None
    detail: dict[str, Any] | None


class AuditOut(BaseModel):
    entries: list[AuditEntryOut]
    next: int | None = Field(description="pass as `after` for the next page; null at the end")
