"""`client.runs`: the training-run helpers of DataHub's AI client example — create a
run, put it in an experiment, and record its input and output datasets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlgraph.errors import NotFound
from mlgraph.model.aspects import Aspect
from mlgraph.model.aspects.process import (
    DataProcessInstanceProperties,
    MLTrainingRunProperties,
    RunResultType,
)
from mlgraph.sdk.aspect_client import AspectClient, aspect_json
from mlgraph.sdk.entities.base import Timestamp, name_values
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.entities.run import UNKNOWN_ACTOR, TrainingRun, _add_edge
from mlgraph.sdk.entity_client import EntityClient
from mlgraph.sdk.types import WriteResult
from mlgraph.sdk.urns import checked_urn

PROPS = DataProcessInstanceProperties.ASPECT_NAME
TRAINING = MLTrainingRunProperties.ASPECT_NAME


class RunClient:
    def __init__(self, entities: EntityClient, aspects: AspectClient, actor: str | None) -> None:
        self._entities = entities
        self._aspects = aspects
        self._actor = actor or UNKNOWN_ACTOR

    def create_training_run(
        self,
        run_id: str,
        run_name: str | None = None,
        *,
        properties: DataProcessInstanceProperties | Mapping[str, Any] | None = None,
        training_run_properties: MLTrainingRunProperties | Mapping[str, Any] | None = None,
        run_result: RunResultType | str | None = None,
        start_timestamp: Timestamp | None = None,
        end_timestamp: Timestamp | None = None,
        hyper_params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        experiment: Any = None,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        platform: str | None = None,
    ) -> str:
        """Create (or overwrite) a training run in one atomic write and return its URN.

        `properties` and `training_run_properties` are the whole aspects, as in
        DataHub's example; `hyper_params` and `metrics` are merged over the latter."""
        run = TrainingRun(
            run_id,
            name=run_name,
            platform=platform,
            created_by=self._actor,
            experiment=experiment,
            inputs=inputs,
            outputs=outputs,
            result=run_result,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
        )
        if properties is not None:
            run.set_aspect(_aspect(properties), PROPS)
        if training_run_properties is not None:
            run.set_aspect(_aspect(training_run_properties), TRAINING)
        training = run._mutable(TRAINING)
        if hyper_params:
            training["hyperParams"] = _merge(training.get("hyperParams"), hyper_params)
        if metrics:
            training["trainingMetrics"] = _merge(training.get("trainingMetrics"), metrics)
        self._entities.upsert(run)
        return run.urn

    def add_run_to_experiment(self, run_urn: str, experiment_urn: Any) -> WriteResult:
        """Make the run part of the experiment (its `container` aspect)."""
        experiment = checked_urn(urn_of(experiment_urn), "container")
        return self._aspects.put(
            checked_urn(run_urn, "dataProcessInstance"), "container", {"container": experiment}
        )

    def add_input_datasets_to_run(self, run_urn: str, dataset_urns: Iterable[Any]) -> WriteResult:
        """Add datasets to the run's inputs (`inputs` and `inputEdges`), keeping those
        already there; guarded by the aspect's version."""
        return self._add_edges(
            run_urn, "dataProcessInstanceInput", "inputs", "inputEdges", dataset_urns
        )

    def add_output_datasets_to_run(self, run_urn: str, dataset_urns: Iterable[Any]) -> WriteResult:
        return self._add_edges(
            run_urn, "dataProcessInstanceOutput", "outputs", "outputEdges", dataset_urns
        )

    def _add_edges(
        self, run_urn: str, aspect: str, plain: str, edges: str, urns: Iterable[Any]
    ) -> WriteResult:
        run_urn = checked_urn(run_urn, "dataProcessInstance")
        try:
            current = self._aspects.get(run_urn, aspect)
            value, version = dict(current.value or {}), current.version
        except NotFound:
            value, version = {}, 0
        for urn in urns:
            _add_edge(value, plain, edges, checked_urn(urn_of(urn)))
        return self._aspects.put(run_urn, aspect, value, expected_version=version)


def _aspect(value: Aspect | Mapping[str, Any]) -> dict[str, Any]:
    return aspect_json(value)


def _merge(current: list[dict[str, Any]] | None, extra: Mapping[str, Any]) -> list[dict[str, Any]]:
    merged = {i["name"]: i for i in current or ()}
    for item in name_values(extra):
        merged[item["name"]] = item
    return list(merged.values())
