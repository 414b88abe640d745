"""DataHub's record names (FQNs) for its aspects, as acryl-datahub 1.7.0.17 declares them.

`GET /aspects/{urn}` answers with the value under this name (e.g.
`com.linkedin.ml.metadata.MLModelProperties`), and the client looks it up there. The
table covers every DataHub aspect, so aspects mlgraph stores without modelling them
read back under their real names too. Regenerate with, in a venv holding acryl-datahub:

    from datahub.metadata.schema_classes import ASPECT_CLASSES
    # group by package (without `com.linkedin.` and `.pegasus2avro`); list the aspect
    # name alone when the record name is the aspect name capitalised, else `aspect=Record`
"""

from __future__ import annotations

from functools import cache

_PACKED = """
access.token: dataHubAccessTokenInfo
agent: aiAgentDependencies=AIAgentDependencies aiAgentInfo=AIAgentInfo
agentskill: agentSkillInfo
api: apiProperties apiSignature restApiProperties
application: applicationKey applicationLineage applicationProperties applications
assertion: assertionActions assertionInfo assertionNote assertionRunEvent
  assertionRunSummary
businessattribute: businessAttributeInfo businessAttributeKey businessAttributes
chart: chartInfo chartQuery chartUsageStatistics editableChartProperties
common: access aiContext aliases browsePaths browsePathsV2 cost dataPlatformInstance
  dataTransformLogic deprecation displayProperties documentation embed forms globalTags
  glossaryTerms incidentsSummary inputFields institutionalMemory operation origin ownership
  semanticContent semanticText siblings status subTypes upstreamMetrics versionProperties
connection: dataHubConnectionDetails
container: container containerProperties editableContainerProperties
dashboard: dashboardInfo dashboardUsageStatistics editableDashboardProperties
datacontract: dataContractProperties dataContractStatus
datajob: dataFlowInfo dataJobInfo dataJobInputOutput editableDataFlowProperties
  editableDataJobProperties versionInfo
datajob.datahub: datahubIngestionCheckpoint datahubIngestionRunSummary
dataplatform: dataPlatformInfo
dataplatform.slack: slackUserInfo
dataplatforminstance: dataPlatformInstanceProperties icebergWarehouseInfo
dataprocess: dataProcessInfo dataProcessInstanceInput dataProcessInstanceOutput
  dataProcessInstanceProperties dataProcessInstanceRelationships dataProcessInstanceRunEvent
dataproduct: dataProductKey dataProductProperties dataProducts
dataset: datasetDeprecation datasetProfile datasetProperties datasetUpstreamLineage
  datasetUsageStatistics editableDatasetProperties icebergCatalogInfo partitionsSummary
  semanticModelProperties upstreamLineage viewProperties
datatype: dataTypeInfo dataTypeKey
domain: domainProperties domains
entitytype: entityTypeInfo entityTypeKey
ermodelrelation: editableERModelRelationshipProperties
  erModelRelationshipProperties=ERModelRelationshipProperties
execution: dataHubExecutionRequestInput=ExecutionRequestInput
  dataHubExecutionRequestResult=ExecutionRequestResult
  dataHubExecutionRequestSignal=ExecutionRequestSignal
file: dataHubFileInfo
form: dynamicFormAssignment formInfo
glossary: glossaryNodeInfo glossaryRelatedTerms glossaryTermInfo
identity: corpGroupEditableInfo corpGroupInfo corpUserCredentials corpUserEditableInfo
  corpUserInfo corpUserSettings corpUserStatus groupMembership inviteToken
  nativeGroupMembership roleMembership
incident: incidentExternalLinks incidentInfo incidentNotes incidentSource
ingestion: dataHubIngestionSourceInfo
knowledge: documentInfo documentSettings documentUsageStatistics
lifecycle: lifecycleStageTypeInfo
logical: logicalParent
metadata.key: agentSkillKey aiAgentKey=AIAgentKey apiKey assertionKey chartKey containerKey
  corpGroupKey corpUserKey dashboardKey dataContractKey dataFlowKey dataHubAccessTokenKey
  dataHubActionKey dataHubConnectionKey dataHubExecutionRequestKey=ExecutionRequestKey
  dataHubFileKey dataHubIngestionSourceKey dataHubOpenAPISchemaKey dataHubPageModuleKey
  dataHubPageTemplateKey dataHubPersonaKey dataHubPolicyKey dataHubRetentionKey dataHubRoleKey
  dataHubSecretKey dataHubStepStateKey dataHubUpgradeKey dataHubViewKey dataJobKey
  dataPlatformInstanceKey dataPlatformKey dataProcessInstanceKey dataProcessKey datasetKey
  documentKey domainKey erModelRelationshipKey=ERModelRelationshipKey formKey
  globalSettingsKey glossaryNodeKey glossaryTermKey incidentKey inviteTokenKey
  lifecycleStageTypeKey metricKey mlFeatureKey=MLFeatureKey
  mlFeatureTableKey=MLFeatureTableKey mlModelDeploymentKey=MLModelDeploymentKey
  mlModelGroupKey=MLModelGroupKey mlModelKey=MLModelKey mlPrimaryKeyKey=MLPrimaryKeyKey
  notebookKey ownershipTypeKey postKey queryKey roleKey schemaFieldKey searchTemplateKey
  semanticModelKey tagKey telemetryKey testKey versionSetKey
metadata.search.features: storageFeatures usageFeatures
metric: metricInfo metricRelationships metricUpstreams
ml.metadata: editableMlFeatureProperties=EditableMLFeatureProperties
  editableMlFeatureTableProperties=EditableMLFeatureTableProperties
  editableMlModelGroupProperties=EditableMLModelGroupProperties
  editableMlModelProperties=EditableMLModelProperties
  editableMlPrimaryKeyProperties=EditableMLPrimaryKeyProperties intendedUse
  mlFeatureProperties=MLFeatureProperties mlFeatureTableProperties=MLFeatureTableProperties
  mlHyperParam=MLHyperParam mlMetric=MLMetric
  mlModelCaveatsAndRecommendations=CaveatsAndRecommendations
  mlModelDeploymentProperties=MLModelDeploymentProperties
  mlModelEthicalConsiderations=EthicalConsiderations mlModelEvaluationData=EvaluationData
  mlModelFactorPrompts=MLModelFactorPrompts mlModelGroupProperties=MLModelGroupProperties
  mlModelMetrics=Metrics mlModelProperties=MLModelProperties
  mlModelQuantitativeAnalyses=QuantitativeAnalyses mlModelTrainingData=TrainingData
  mlPrimaryKeyProperties=MLPrimaryKeyProperties
  mlTrainingRunProperties=MLTrainingRunProperties sourceCode
module: dataHubPageModuleProperties
mxe: systemMetadata
notebook: editableNotebookProperties notebookContent notebookInfo
ownership: ownershipTypeInfo
persona: dataHubPersonaInfo
platformresource: platformResourceInfo platformResourceKey
policy: dataHubPolicyInfo dataHubRoleInfo
post: postInfo
query: queryProperties querySubjects queryUsageStatistics
repository: repositoryKey repositoryLineage repositoryProperties repositorySource
retention: dataHubRetentionConfig
role: actors roleProperties
schema: editableSchemaMetadata schemaMetadata
schemafield: schemaFieldAliases schemafieldInfo=SchemaFieldInfo
search.template: searchTemplateProperties
secret: dataHubSecretValue
semanticmodel: semanticFieldAnnotation semanticModelInfo
service: mcpServerProperties serviceDefinition serviceKey serviceProperties
settings.asset: assetSettings
settings.global: globalSettingsInfo
step: dataHubStepStateProperties
structured: propertyDefinition=StructuredPropertyDefinition structuredProperties
  structuredPropertyKey structuredPropertySettings
tag: tagProperties
telemetry: telemetryClientId
template: dataHubPageTemplateProperties
test: testInfo testResults
upgrade: dataHubUpgradeRequest dataHubUpgradeResult
versionset: versionSetProperties
view: dataHubViewInfo
"""


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    package = ""
    for line in _PACKED.strip().splitlines():
        if not line.startswith(" "):
            package, _, line = line.partition(":")
        for item in line.split():
            aspect, _, record = item.partition("=")
            table[aspect] = f"com.linkedin.{package}.{record or aspect[0].upper() + aspect[1:]}"
    return table


def record_name(aspect: str) -> str:
    """The FQN DataHub gives an aspect's record; a best guess for names it does not know."""
    return _table().get(aspect) or f"com.linkedin.common.{aspect[0].upper()}{aspect[1:]}"
