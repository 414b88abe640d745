"""A small stand-in for DataHub's example `dh_ai_client.DatahubAIClient` (an example
file, not part of the acryl-datahub package), written against the public SDK and
emitter only, so seed 001 runs as published. Only the methods the seed calls."""

import time
from collections.abc import Iterable

import datahub.metadata.schema_classes as models
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.emitter.rest_emitter import DatahubRestEmitter


class DatahubAIClient:
    def __init__(self, token: str | None = None, server_url: str = "http://localhost:8080"):
        self.emitter = DatahubRestEmitter(gms_server=server_url, token=token)

    def _emit_mcps(
        self, mcps: MetadataChangeProposalWrapper | Iterable[MetadataChangeProposalWrapper]
    ) -> None:
        batch = [mcps] if isinstance(mcps, MetadataChangeProposalWrapper) else list(mcps)
        for mcp in batch:
            self.emitter.emit(mcp)

    def create_training_run(
        self,
        run_id: str,
        run_name: str | None = None,
        properties: models.DataProcessInstancePropertiesClass | None = None,
        training_run_properties: models.MLTrainingRunPropertiesClass | None = None,
        run_result: str | None = None,
        start_timestamp: int | None = None,
        end_timestamp: int | None = None,
    ) -> str:
        """A training run: a dataProcessInstance with subtype "ML Training Run", its
        properties and its start (and, given a result, completion) events."""
        urn = f"urn:li:dataProcessInstance:{run_id}"
        now = int(time.time() * 1000)
        if properties is None and run_name is not None:
            properties = models.DataProcessInstancePropertiesClass(
                name=run_name,
                created=models.AuditStampClass(time=now, actor="urn:li:corpuser:datahub"),
            )
        aspects: list[models._Aspect] = [models.SubTypesClass(typeNames=["ML Training Run"])]
        if properties is not None:
            aspects.insert(0, properties)
        if training_run_properties is not None:
            aspects.append(training_run_properties)
        start = start_timestamp or now
        end = end_timestamp or now
        aspects.append(
            models.DataProcessInstanceRunEventClass(
                timestampMillis=start, status=models.DataProcessRunStatusClass.STARTED, attempt=1
            )
        )
        if run_result:
            aspects.append(
                models.DataProcessInstanceRunEventClass(
                    timestampMillis=end,
                    status=models.DataProcessRunStatusClass.COMPLETE,
                    attempt=1,
                    result=models.DataProcessInstanceRunResultClass(
                        type=run_result, nativeResultType=str(run_result)
                    ),
                    durationMillis=end - start,
                )
            )
        self._emit_mcps(MetadataChangeProposalWrapper.construct_many(urn, aspects))
        return urn

    def add_run_to_experiment(self, run_urn: str, experiment_urn: str) -> None:
        self._emit_mcps(
            MetadataChangeProposalWrapper(
                entityUrn=run_urn, aspect=models.ContainerClass(container=experiment_urn)
            )
        )

    def add_input_datasets_to_run(self, run_urn: str, dataset_urns: list[str]) -> None:
        edges = [models.EdgeClass(destinationUrn=str(u)) for u in dataset_urns]
        self._emit_mcps(
            MetadataChangeProposalWrapper(
                entityUrn=run_urn,
                aspect=models.DataProcessInstanceInputClass(inputs=[], inputEdges=edges),
            )
        )

    def add_output_datasets_to_run(self, run_urn: str, dataset_urns: list[str]) -> None:
        edges = [models.EdgeClass(destinationUrn=str(u)) for u in dataset_urns]
        self._emit_mcps(
            MetadataChangeProposalWrapper(
                entityUrn=run_urn,
                aspect=models.DataProcessInstanceOutputClass(outputs=[], outputEdges=edges),
            )
        )
