"""mlgraph's Python SDK: a typed client of the REST API, shaped like DataHub's SDK.

from mlgraph.sdk import Client, MLModel

with Client.from_env() as client:
    client.entities.upsert(MLModel(id="churn", platform="mlflow", version="1"))
    model = client.entities.get("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)")
"""

from __future__ import annotations

from mlgraph.model.aspects.common import OwnershipType
from mlgraph.model.aspects.mlmodel import (
    DeploymentStatus,
    IntendedUserType,
    ModelFactors,
    SourceCodeUrlType,
)
from mlgraph.model.aspects.process import (
    DataProcessInstanceProperties,
    MLTrainingRunProperties,
    RunResultType,
)
from mlgraph.model.fields import AuditStamp, MLHyperParam, MLMetric
from mlgraph.sdk.aspect_client import AspectClient, ProposalClient
from mlgraph.sdk.client import DEFAULT_URL, Client
from mlgraph.sdk.entities import (
    BaseData,
    Column,
    Container,
    ContainerKey,
    Dataset,
    Deployment,
    Entity,
    Experiment,
    MLAssetSubTypes,
    MLFeature,
    MLFeatureTable,
    MLModel,
    MLModelGroup,
    TrainingRun,
)
from mlgraph.sdk.entities.container import container_guid
from mlgraph.sdk.entity_client import EntityClient
from mlgraph.sdk.http import ServerUnreachable
from mlgraph.sdk.lineage_types import (
    Approval,
    Comparison,
    DatasetDiff,
    Endpoint,
    Impact,
    Lineage,
    LineageEdge,
    LineageNode,
    RelatedEntity,
    SetDiff,
    TrainingData,
    TrainingDataset,
    ValueChange,
    VersionChange,
)
from mlgraph.sdk.run_client import RunClient
from mlgraph.sdk.types import (
    AspectDiff,
    AspectVersion,
    Change,
    EntitySummary,
    Relationship,
    WriteResult,
)
from mlgraph.sdk.urns import (
    ContainerUrn,
    CorpGroupUrn,
    CorpUserUrn,
    DataProcessInstanceUrn,
    DatasetUrn,
    DomainUrn,
    GlossaryTermUrn,
    MlFeatureTableUrn,
    MlFeatureUrn,
    MlModelDeploymentUrn,
    MlModelGroupUrn,
    MlModelUrn,
    TagUrn,
    VersionSetUrn,
)

__all__ = [
    "DEFAULT_URL",
    "Approval",
    "AspectClient",
    "AspectDiff",
    "AspectVersion",
    "AuditStamp",
    "BaseData",
    "Change",
    "Client",
    "Column",
    "Comparison",
    "Container",
    "ContainerKey",
    "ContainerUrn",
    "CorpGroupUrn",
    "CorpUserUrn",
    "DataProcessInstanceProperties",
    "DataProcessInstanceUrn",
    "Dataset",
    "DatasetDiff",
    "DatasetUrn",
    "Deployment",
    "DeploymentStatus",
    "DomainUrn",
    "Endpoint",
    "Entity",
    "EntityClient",
    "EntitySummary",
    "Experiment",
    "GlossaryTermUrn",
    "Impact",
    "IntendedUserType",
    "Lineage",
    "LineageEdge",
    "LineageNode",
    "MLAssetSubTypes",
    "MLFeature",
    "MLFeatureTable",
    "MLHyperParam",
    "MLMetric",
    "MLModel",
    "MLModelGroup",
    "MLTrainingRunProperties",
    "MlFeatureTableUrn",
    "MlFeatureUrn",
    "MlModelDeploymentUrn",
    "MlModelGroupUrn",
    "MlModelUrn",
    "ModelFactors",
    "OwnershipType",
    "ProposalClient",
    "RelatedEntity",
    "Relationship",
    "RunClient",
    "RunResultType",
    "ServerUnreachable",
    "SetDiff",
    "SourceCodeUrlType",
    "TagUrn",
    "TrainingData",
    "TrainingDataset",
    "TrainingRun",
    "ValueChange",
    "VersionChange",
    "VersionSetUrn",
    "WriteResult",
    "container_guid",
]
