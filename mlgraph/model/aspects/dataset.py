"""Datasets, their schemas and upstream lineage, and dashboards.

Unlike DataHub, a dataset's upstream may be a model or a deployment, so a
predictions table can sit downstream of the endpoint that writes it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from mlgraph.model.aspects.base import Aspect
from mlgraph.model.fields import (
    AuditStamp,
    CustomProperties,
    Lineage,
    Record,
    Rel,
    Searchable,
    TimeStamp,
    UrnStr,
)

UP = Lineage.UPSTREAM
UPSTREAM_KINDS = (
    "dataset",
    "mlModel",
    "mlModelDeployment",
    "dataJob",
    "dataProcessInstance",
    "mlFeatureTable",
)


class DatasetProperties(Aspect):
    ASPECT_NAME = "datasetProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str | None, Searchable()] = None
    qualifiedName: str | None = None
    description: Annotated[str | None, Searchable()] = None
    uri: str | None = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None
    tags: list[str] = Field(default_factory=list)


class SchemaField(Record):
    fieldPath: Annotated[str, Searchable()]
    nativeDataType: str = ""
    type: dict[str, Any] = Field(default_factory=lambda: {"type": {}})
    description: Annotated[str | None, Searchable()] = None
    nullable: bool = False
    recursive: bool = False
    isPartOfKey: bool | None = None
    label: str | None = None
    globalTags: dict[str, Any] | None = None
    glossaryTerms: dict[str, Any] | None = None
    jsonProps: str | None = None


class SchemaMetadata(Aspect):
    ASPECT_NAME = "schemaMetadata"
    schemaName: str = ""
    platform: UrnStr = "urn:li:dataPlatform:unknown"
    version: int = 0
    created: AuditStamp | None = None
    lastModified: AuditStamp | None = None
    hash: str = ""
    platformSchema: dict[str, Any] = Field(default_factory=dict)
    fields: list[SchemaField] = Field(default_factory=list)
    primaryKeys: list[str] | None = None
    foreignKeys: list[dict[str, Any]] | None = None


class Upstream(Record):
    dataset: Annotated[UrnStr, Rel("DownstreamOf", UP, *UPSTREAM_KINDS)]
    type: str = "TRANSFORMED"
    auditStamp: AuditStamp | None = None
    created: AuditStamp | None = None
    properties: dict[str, str] | None = None
    query: str | None = None


class FineGrainedLineage(Record):
    upstreamType: str = "FIELD_SET"
    upstreams: Annotated[list[UrnStr] | None, Rel("DownstreamOf", UP, "schemaField")] = None
    downstreamType: str = "FIELD"
    downstreams: list[UrnStr] | None = None
    transformOperation: str | None = None
    confidenceScore: float = 1.0
    query: str | None = None


class UpstreamLineage(Aspect):
    ASPECT_NAME = "upstreamLineage"
    upstreams: list[Upstream] = Field(default_factory=list)
    fineGrainedLineages: list[FineGrainedLineage] | None = None


class DashboardInfo(Aspect):
    ASPECT_NAME = "dashboardInfo"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    title: Annotated[str, Searchable()]
    description: Annotated[str, Searchable()] = ""
    datasets: Annotated[list[UrnStr], Rel("Consumes", UP, *UPSTREAM_KINDS)] = Field(
        default_factory=list
    )
    charts: list[UrnStr] = Field(default_factory=list)
    dashboardUrl: str | None = None
    lastModified: dict[str, Any] | None = None
