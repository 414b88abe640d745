"""Response models: they document the API (OpenAPI) and pin its shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable error code")
    message: str = Field(description="what went wrong and what to fix")
    details: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


class AspectOut(BaseModel):
    value: dict[str, Any] | None
    version: int
    created_at: int = Field(description="epoch milliseconds of the write")
    actor: str
    run_id: str | None
    deleted: bool = False


class EntitySummary(BaseModel):
    urn: str
    type: str
    platform: str | None
    name: str
    env: str | None
    removed: bool
    created_at: int
    updated_at: int


class EntityOut(EntitySummary):
    aspects: dict[str, AspectOut]


class EntityPage(BaseModel):
    entities: list[EntitySummary]
    next_cursor: str | None


class AspectVersionOut(AspectOut):
    urn: str
    aspect: str


class HistoryOut(BaseModel):
    urn: str
    aspect: str
    versions: list[AspectOut]


class ChangeOut(BaseModel):
    path: str
    kind: str
    old: Any = None
    new: Any = None


class DiffOut(BaseModel):
    urn: str
    aspect: str
    from_version: int
    to_version: int
    changes: list[ChangeOut]


class WriteResultOut(BaseModel):
    op: str
    urn: str
    aspect: str | None
    version: int | None
    changed: bool


class BatchOut(BaseModel):
    results: list[WriteResultOut]


class RelationshipOut(BaseModel):
    type: str
    direction: str
    urn: str
    aspect: str
    lineage: str | None


class RelationshipsOut(BaseModel):
    urn: str
    relationships: list[RelationshipOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 409, 413, 422)
}
