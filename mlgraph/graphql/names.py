"""How the model registry's entity types appear in GraphQL: the object type, the
`EntityType` enum value (DataHub's names) and the Query field. One line per entity
type; a test checks every registry type is here. (What `properties` returns is the
type's properties aspect, declared in the registry.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    entity_type: str  # the registry's name (mlgraph.model.registry.ENTITIES)
    graphql: str  # the GraphQL object type
    enum: str  # the EntityType enum value
    query_field: str  # the Query field fetching one by URN


KINDS = (
    Kind("dataset", "Dataset", "DATASET", "dataset"),
    Kind("schemaField", "SchemaField", "SCHEMA_FIELD", "schemaField"),
    Kind("mlModel", "MLModel", "MLMODEL", "mlModel"),
    Kind("mlModelGroup", "MLModelGroup", "MLMODEL_GROUP", "mlModelGroup"),
    Kind("mlModelDeployment", "MLModelDeployment", "MLMODEL_DEPLOYMENT", "mlModelDeployment"),
    Kind("mlFeature", "MLFeature", "MLFEATURE", "mlFeature"),
    Kind("mlFeatureTable", "MLFeatureTable", "MLFEATURE_TABLE", "mlFeatureTable"),
    Kind("mlPrimaryKey", "MLPrimaryKey", "MLPRIMARY_KEY", "mlPrimaryKey"),
    Kind("container", "Container", "CONTAINER", "container"),
    Kind(
        "dataProcessInstance", "DataProcessInstance", "DATA_PROCESS_INSTANCE", "dataProcessInstance"
    ),
    Kind("dataJob", "DataJob", "DATA_JOB", "dataJob"),
    Kind("dataFlow", "DataFlow", "DATA_FLOW", "dataFlow"),
    Kind("dashboard", "Dashboard", "DASHBOARD", "dashboard"),
    Kind("corpuser", "CorpUser", "CORP_USER", "corpUser"),
    Kind("corpGroup", "CorpGroup", "CORP_GROUP", "corpGroup"),
    Kind("tag", "Tag", "TAG", "tag"),
    Kind("glossaryTerm", "GlossaryTerm", "GLOSSARY_TERM", "glossaryTerm"),
    Kind("domain", "Domain", "DOMAIN", "domain"),
    Kind("versionSet", "VersionSet", "VERSION_SET", "versionSet"),
    Kind("dataPlatform", "DataPlatform", "DATA_PLATFORM", "dataPlatform"),
)
BY_TYPE = {k.entity_type: k for k in KINDS}

# GraphQL enum value -> the Python value resolvers see and return.
ENTITY_TYPES = {k.enum: k.entity_type for k in KINDS}
LINEAGE_DIRECTIONS = {"UPSTREAM": "upstream", "DOWNSTREAM": "downstream", "BOTH": "both"}
RELATIONSHIP_DIRECTIONS = {"INCOMING": "incoming", "OUTGOING": "outgoing", "BOTH": "both"}
SEARCH_SORTS = {"RELEVANCE": "relevance", "NAME": "name", "UPDATED": "updated"}
SORT_ORDERS = {"ASCENDING": "asc", "DESCENDING": "desc"}
