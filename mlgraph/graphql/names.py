"""How the model registry's entity types appear in GraphQL: the object type, the
`EntityType` enum value (DataHub's names), the Query field and the aspect behind
`properties`. One line per entity type; a test checks every registry type is here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    entity_type: str  # the registry's name (mlgraph.model.registry.ENTITIES)
    graphql: str  # the GraphQL object type
    enum: str  # the EntityType enum value
    properties: str | None  # the aspect that `properties` returns
    query_field: str  # the Query field fetching one by URN


KINDS = (
    Kind("dataset", "Dataset", "DATASET", "datasetProperties", "dataset"),
    Kind("schemaField", "SchemaField", "SCHEMA_FIELD", None, "schemaField"),
    Kind("mlModel", "MLModel", "MLMODEL", "mlModelProperties", "mlModel"),
    Kind("mlModelGroup", "MLModelGroup", "MLMODEL_GROUP", "mlModelGroupProperties", "mlModelGroup"),
    Kind(
        "mlModelDeployment",
        "MLModelDeployment",
        "MLMODEL_DEPLOYMENT",
        "mlModelDeploymentProperties",
        "mlModelDeployment",
    ),
    Kind("mlFeature", "MLFeature", "MLFEATURE", "mlFeatureProperties", "mlFeature"),
    Kind(
        "mlFeatureTable",
        "MLFeatureTable",
        "MLFEATURE_TABLE",
        "mlFeatureTableProperties",
        "mlFeatureTable",
    ),
    Kind("mlPrimaryKey", "MLPrimaryKey", "MLPRIMARY_KEY", "mlPrimaryKeyProperties", "mlPrimaryKey"),
    Kind("container", "Container", "CONTAINER", "containerProperties", "container"),
    Kind(
        "dataProcessInstance",
        "DataProcessInstance",
        "DATA_PROCESS_INSTANCE",
        "dataProcessInstanceProperties",
        "dataProcessInstance",
    ),
    Kind("dataJob", "DataJob", "DATA_JOB", "dataJobInfo", "dataJob"),
    Kind("dataFlow", "DataFlow", "DATA_FLOW", "dataFlowInfo", "dataFlow"),
    Kind("dashboard", "Dashboard", "DASHBOARD", "dashboardInfo", "dashboard"),
    Kind("corpuser", "CorpUser", "CORP_USER", "corpUserInfo", "corpUser"),
    Kind("corpGroup", "CorpGroup", "CORP_GROUP", "corpGroupInfo", "corpGroup"),
    Kind("tag", "Tag", "TAG", "tagProperties", "tag"),
    Kind("glossaryTerm", "GlossaryTerm", "GLOSSARY_TERM", "glossaryTermInfo", "glossaryTerm"),
    Kind("domain", "Domain", "DOMAIN", "domainProperties", "domain"),
    Kind("versionSet", "VersionSet", "VERSION_SET", "versionSetProperties", "versionSet"),
    Kind("dataPlatform", "DataPlatform", "DATA_PLATFORM", "dataPlatformInfo", "dataPlatform"),
)
BY_TYPE = {k.entity_type: k for k in KINDS}

# GraphQL enum value -> the Python value resolvers see and return.
ENTITY_TYPES = {k.enum: k.entity_type for k in KINDS}
LINEAGE_DIRECTIONS = {"UPSTREAM": "upstream", "DOWNSTREAM": "downstream", "BOTH": "both"}
RELATIONSHIP_DIRECTIONS = {"INCOMING": "incoming", "OUTGOING": "outgoing", "BOTH": "both"}
SEARCH_SORTS = {"RELEVANCE": "relevance", "NAME": "name", "UPDATED": "updated"}
SORT_ORDERS = {"ASCENDING": "asc", "DESCENDING": "desc"}
