"""DataHub's patch builders and an aspect mlgraph does not model, through DataHub's own
client: `python patch_and_raw.py <server-url>`; prints what it reads back as JSON."""

import json
import sys

import datahub.metadata.schema_classes as models
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.metadata.urns import CorpUserUrn, DatasetUrn, GlossaryTermUrn, MlModelUrn, TagUrn
from datahub.sdk import DataHubClient
from datahub.specific.dataset import DatasetPatchBuilder

client = DataHubClient(server=sys.argv[1], token=None)
graph = client._graph
dataset = DatasetUrn(platform="snowflake", name="test_iris_input")

patch = DatasetPatchBuilder(str(dataset))
patch.add_tag(models.TagAssociationClass(tag=str(TagUrn("patched"))))
patch.remove_tag(str(TagUrn("iris")))
patch.add_owner(
    models.OwnerClass(
        owner=str(CorpUserUrn("patcher")), type=models.OwnershipTypeClass.DATA_STEWARD
    )
)
patch.add_term(models.GlossaryTermAssociationClass(urn=str(GlossaryTermUrn("patched_term"))))
patch.add_custom_property("patched", "yes")
patch.remove_custom_property("features")
patch.set_description("Patched description")
client.entities.update(patch)

# editableMlModelProperties is DataHub's, not mlgraph's: stored and returned as it came.
model = str(MlModelUrn(platform="mlflow", name="customer-churn-predictor"))
editable = models.EditableMLModelPropertiesClass(description="Edited in the UI")
graph.emit(MetadataChangeProposalWrapper(entityUrn=model, aspect=editable))

d = client.entities.get(dataset)
print(
    json.dumps(
        {
            "tags": sorted(t.tag for t in d.tags or []),
            "owners": sorted([o.owner, str(o.type)] for o in d.owners or []),
            "terms": sorted(t.urn for t in d.terms or []),
            "custom_properties": d.custom_properties,
            "description": graph.get_aspect(
                str(dataset), models.DatasetPropertiesClass
            ).description,
            "editable": graph.get_aspect(model, models.EditableMLModelPropertiesClass).to_obj(),
        }
    )
)
