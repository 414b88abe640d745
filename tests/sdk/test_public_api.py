"""The SDK's public surface is exactly `__all__`, and every name in it exists."""

from __future__ import annotations

import mlgraph.sdk as sdk

EXPECTED = {
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
}


def test_all_is_the_public_surface() -> None:
    assert set(sdk.__all__) == EXPECTED
    assert len(sdk.__all__) == len(EXPECTED), "duplicates in __all__"
    for name in sdk.__all__:
        assert hasattr(sdk, name), name


def test_no_public_name_outside_all() -> None:
    public = {n for n in vars(sdk) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(sdk, n)).__name__ == "module"}
    assert public - modules - {"annotations"} == EXPECTED
