"""Models, model groups, versions, deployments and the model card.

Differences from DataHub, on purpose: deployments are lineage (a deployment is
downstream of its model), training and evaluation data create lineage edges, and
`mlModelDetails` carries what OpenMetadata has and DataHub lacks (algorithm, target,
model store, serving endpoint, monitoring dashboard).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from mlgraph.model.aspects.base import Aspect
from mlgraph.model.fields import (
    CustomProperties,
    Facet,
    HyperParamList,
    Lineage,
    MetricList,
    MLMetric,
    Record,
    Rel,
    Searchable,
    TimeStamp,
    UrnStr,
    VersionTag,
)

UP = Lineage.UPSTREAM
DOWN = Lineage.DOWNSTREAM
RUNS = ("dataProcessInstance", "dataJob")


class MLModelProperties(Aspect):
    ASPECT_NAME = "mlModelProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    trainingJobs: Annotated[list[UrnStr] | None, Rel("TrainedBy", UP, *RUNS)] = None
    downstreamJobs: Annotated[list[UrnStr] | None, Rel("UsedBy", DOWN, *RUNS)] = None
    name: Annotated[str | None, Searchable()] = None
    description: Annotated[str | None, Searchable()] = None
    date: int | None = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None
    version: VersionTag | None = None
    type: Annotated[str | None, Searchable("keyword")] = None
    hyperParameters: dict[str, Any] | None = None
    hyperParams: HyperParamList = None
    trainingMetrics: MetricList = None
    onlineMetrics: list[MLMetric] | None = None  # production metrics: not `metrics.*`
    mlFeatures: Annotated[list[UrnStr] | None, Rel("Consumes", UP, "mlFeature")] = None
    tags: list[str] = Field(default_factory=list)
    deployments: Annotated[list[UrnStr] | None, Rel("DeployedTo", DOWN, "mlModelDeployment")] = None
    groups: Annotated[list[UrnStr] | None, Rel("MemberOf", DOWN, "mlModelGroup")] = None


class MLStore(Record):
    storage: str | None = None
    imageRepository: str | None = None


class MLModelDetails(Aspect):
    """OpenMetadata's model fields that DataHub lacks."""

    ASPECT_NAME = "mlModelDetails"
    algorithm: Annotated[str | None, Searchable("keyword"), Facet("algorithm")] = None
    target: Annotated[str | None, Searchable()] = None
    mlStore: MLStore | None = None
    server: str | None = None
    dashboard: Annotated[UrnStr | None, Rel("MonitoredBy", DOWN, "dashboard")] = None


class VersionProperties(Aspect):
    ASPECT_NAME = "versionProperties"
    versionSet: Annotated[UrnStr, Rel("VersionOf", None, "versionSet")]
    version: VersionTag
    aliases: Annotated[list[VersionTag], Facet("alias", "versionTag")] = Field(default_factory=list)
    comment: str | None = None
    sortId: str
    versioningScheme: str = "LEXICOGRAPHIC_STRING"
    sourceCreatedTimestamp: dict[str, Any] | None = None
    metadataCreatedTimestamp: dict[str, Any] | None = None
    isLatest: bool | None = None


class IntendedUserType(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    HOBBY = "HOBBY"
    ENTERTAINMENT = "ENTERTAINMENT"


class IntendedUse(Aspect):
    ASPECT_NAME = "intendedUse"
    primaryUses: list[str] | None = None
    primaryUsers: list[IntendedUserType] | None = None
    outOfScopeUses: list[str] | None = None


class EthicalConsiderations(Aspect):
    ASPECT_NAME = "mlModelEthicalConsiderations"
    data: list[str] | None = None
    humanLife: list[str] | None = None
    mitigations: list[str] | None = None
    risksAndHarms: list[str] | None = None
    useCases: list[str] | None = None


class CaveatDetails(Record):
    needsFurtherTesting: bool | None = None
    caveatDescription: str | None = None
    groupsNotRepresented: list[str] | None = None


class CaveatsAndRecommendations(Aspect):
    ASPECT_NAME = "mlModelCaveatsAndRecommendations"
    caveats: CaveatDetails | None = None
    recommendations: str | None = None
    idealDatasetCharacteristics: list[str] | None = None


class TrainingDataRef(Record):
    dataset: Annotated[UrnStr, Rel("TrainedOn", UP, "dataset")]
    motivation: str | None = None
    preProcessing: list[str] | None = None


class EvaluationDataRef(Record):
    dataset: Annotated[UrnStr, Rel("EvaluatedOn", UP, "dataset")]
    motivation: str | None = None
    preProcessing: list[str] | None = None


class TrainingData(Aspect):
    ASPECT_NAME = "mlModelTrainingData"
    trainingData: list[TrainingDataRef] = Field(default_factory=list)


class EvaluationData(Aspect):
    ASPECT_NAME = "mlModelEvaluationData"
    evaluationData: list[EvaluationDataRef] = Field(default_factory=list)


class ModelFactors(Record):
    groups: list[str] | None = None
    instrumentation: list[str] | None = None
    environment: list[str] | None = None


class FactorPrompts(Aspect):
    ASPECT_NAME = "mlModelFactorPrompts"
    relevantFactors: list[ModelFactors] | None = None
    evaluationFactors: list[ModelFactors] | None = None


class QuantitativeAnalyses(Aspect):
    ASPECT_NAME = "mlModelQuantitativeAnalyses"
    unitaryResults: str | None = None
    intersectionalResults: str | None = None


class Metrics(Aspect):
    ASPECT_NAME = "mlModelMetrics"
    performanceMeasures: list[str] | None = None
    decisionThreshold: list[str] | None = None


class SourceCodeUrlType(StrEnum):
    ML_MODEL_SOURCE_CODE = "ML_MODEL_SOURCE_CODE"
    TRAINING_PIPELINE_SOURCE_CODE = "TRAINING_PIPELINE_SOURCE_CODE"
    EVALUATION_PIPELINE_SOURCE_CODE = "EVALUATION_PIPELINE_SOURCE_CODE"


class SourceCodeUrl(Record):
    type: SourceCodeUrlType
    sourceCodeUrl: str


class SourceCode(Aspect):
    ASPECT_NAME = "sourceCode"
    sourceCode: list[SourceCodeUrl] = Field(default_factory=list)


class CostCost(Record):
    costId: float | None = None
    costCode: str | None = None
    fieldDiscriminator: str | None = None


class Cost(Aspect):
    ASPECT_NAME = "cost"
    costType: str = "ORG_COST_TYPE"
    cost: CostCost


class MLModelGroupProperties(Aspect):
    ASPECT_NAME = "mlModelGroupProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    trainingJobs: Annotated[list[UrnStr] | None, Rel("TrainedBy", UP, *RUNS)] = None
    downstreamJobs: Annotated[list[UrnStr] | None, Rel("UsedBy", DOWN, *RUNS)] = None
    externalUrl: str | None = None
    name: Annotated[str | None, Searchable()] = None
    description: Annotated[str | None, Searchable()] = None
    createdAt: int | None = None
    created: TimeStamp | None = None
    lastModified: TimeStamp | None = None
    version: VersionTag | None = None


class DeploymentStatus(StrEnum):
    OUT_OF_SERVICE = "OUT_OF_SERVICE"
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    ROLLING_BACK = "ROLLING_BACK"
    IN_SERVICE = "IN_SERVICE"
    DELETING = "DELETING"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


class MLModelDeploymentProperties(Aspect):
    ASPECT_NAME = "mlModelDeploymentProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    externalUrl: str | None = None
    name: Annotated[str | None, Searchable()] = None
    description: Annotated[str | None, Searchable()] = None
    createdAt: int | None = None
    version: VersionTag | None = None
    status: DeploymentStatus | None = None
    endpointUrl: str | None = None
