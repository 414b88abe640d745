"""Runs, experiments and pipelines: dataProcessInstance (training runs), container
(experiments), dataFlow/dataJob (feature pipelines)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from mlgraph.model.aspects.base import Aspect
from mlgraph.model.fields import (
    AuditStamp,
    CustomProperties,
    HyperParamList,
    Lineage,
    MetricList,
    Record,
    Rel,
    Searchable,
    TimeStamp,
    UrnStr,
)

UP = Lineage.UPSTREAM
DOWN = Lineage.DOWNSTREAM
DATA = ("dataset", "mlModel", "dataProcessInstance", "schemaField", "mlFeatureTable")


class DataProcessInstanceProperties(Aspect):
    ASPECT_NAME = "dataProcessInstanceProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str, Searchable()]
    type: str | None = None
    created: AuditStamp


class Edge(Record):
    sourceUrn: UrnStr | None = None
    destinationUrn: UrnStr
    created: AuditStamp | None = None
    lastModified: AuditStamp | None = None
    properties: dict[str, str] | None = None


class InputEdge(Edge):
    destinationUrn: Annotated[UrnStr, Rel("DataProcessInstanceConsumes", UP, *DATA)]


class OutputEdge(Edge):
    destinationUrn: Annotated[UrnStr, Rel("DataProcessInstanceProduces", DOWN, *DATA)]


class DataProcessInstanceInput(Aspect):
    ASPECT_NAME = "dataProcessInstanceInput"
    inputs: Annotated[list[UrnStr], Rel("Consumes", UP, *DATA)] = Field(default_factory=list)
    inputEdges: list[InputEdge] | None = None


class DataProcessInstanceOutput(Aspect):
    ASPECT_NAME = "dataProcessInstanceOutput"
    outputs: Annotated[list[UrnStr], Rel("Produces", DOWN, *DATA)] = Field(default_factory=list)
    outputEdges: list[OutputEdge] | None = None


class RunStatus(StrEnum):
    STARTED = "STARTED"
    COMPLETE = "COMPLETE"


class RunResultType(StrEnum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"
    UP_FOR_RETRY = "UP_FOR_RETRY"


class RunResult(Record):
    type: RunResultType
    nativeResultType: str


class DataProcessInstanceRunEvent(Aspect):
    """The latest run event (start, completion, failure) of a run."""

    ASPECT_NAME = "dataProcessInstanceRunEvent"
    timestampMillis: int
    status: RunStatus
    attempt: int | None = None
    result: RunResult | None = None
    durationMillis: int | None = None
    externalUrl: str | None = None
    eventGranularity: dict[str, Any] | None = None
    partitionSpec: dict[str, Any] | None = None
    messageId: str | None = None


class DataProcessInstanceRelationships(Aspect):
    ASPECT_NAME = "dataProcessInstanceRelationships"
    parentTemplate: Annotated[UrnStr | None, Rel("InstanceOf")] = None
    parentInstance: Annotated[UrnStr | None, Rel("ChildOf", None, "dataProcessInstance")] = None
    upstreamInstances: Annotated[list[UrnStr], Rel("UpstreamOf", UP, "dataProcessInstance")] = (
        Field(default_factory=list)
    )


class MLTrainingRunProperties(Aspect):
    ASPECT_NAME = "mlTrainingRunProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    id: str | None = None
    outputUrls: list[str] | None = None
    hyperParams: HyperParamList = None
    trainingMetrics: MetricList = None


class ContainerProperties(Aspect):
    ASPECT_NAME = "containerProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str, Searchable()]
    qualifiedName: str | None = None
    description: Annotated[str | None, Searchable()] = None
    env: str | None = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None


class DataFlowInfo(Aspect):
    ASPECT_NAME = "dataFlowInfo"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str, Searchable()]
    description: Annotated[str | None, Searchable()] = None
    project: str | None = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None


class DataJobInfo(Aspect):
    ASPECT_NAME = "dataJobInfo"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str, Searchable()]
    description: Annotated[str | None, Searchable()] = None
    type: str | dict[str, Any] = "COMMAND"
    flowUrn: Annotated[UrnStr | None, Rel("IsPartOf", None, "dataFlow")] = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None
    status: str | None = None


class DataJobInputOutput(Aspect):
    ASPECT_NAME = "dataJobInputOutput"
    inputDatasets: Annotated[list[UrnStr], Rel("Consumes", UP, *DATA)] = Field(default_factory=list)
    outputDatasets: Annotated[list[UrnStr], Rel("Produces", DOWN, *DATA)] = Field(
        default_factory=list
    )
    inputDatajobs: Annotated[list[UrnStr] | None, Rel("DownstreamOf", UP, "dataJob")] = None
    inputDatasetFields: Annotated[list[UrnStr] | None, Rel("Consumes", UP, "schemaField")] = None
    outputDatasetFields: Annotated[list[UrnStr] | None, Rel("Produces", DOWN, "schemaField")] = None
