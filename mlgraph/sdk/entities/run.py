"""`TrainingRun`: one attempt at training a model (a dataProcessInstance with subtype
"ML Training Run"), with its params, metrics, result, experiment and datasets."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlgraph.model.aspects.process import DataProcessInstanceRunEvent, RunResultType
from mlgraph.sdk.entities.base import Entity, Timestamp, name_values, to_millis, value_map
from mlgraph.sdk.entities.container import MLAssetSubTypes
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.urns import DataProcessInstanceUrn, checked_urn

PROPS = "dataProcessInstanceProperties"
TRAINING = "mlTrainingRunProperties"
EVENT = "dataProcessInstanceRunEvent"
INPUT = "dataProcessInstanceInput"
OUTPUT = "dataProcessInstanceOutput"
UNKNOWN_ACTOR = "urn:li:corpuser:unknown"


class TrainingRun(Entity):
    ENTITY_TYPE = "dataProcessInstance"
    PROPERTIES = PROPS

    def __init__(
        self,
        id: str,
        *,
        name: str | None = None,
        platform: str | None = None,
        created: Timestamp | None = None,
        created_by: str = UNKNOWN_ACTOR,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        hyper_params: Mapping[str, Any] | None = None,
        training_metrics: Mapping[str, Any] | None = None,
        output_urls: Sequence[str] | None = None,
        experiment: Any = None,
        inputs: Iterable[Any] | None = None,
        outputs: Iterable[Any] | None = None,
        result: RunResultType | str | None = None,
        start_timestamp: Timestamp | None = None,
        end_timestamp: Timestamp | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(DataProcessInstanceUrn(id))
        when = created if created is not None else start_timestamp
        self._aspects[PROPS] = {
            "name": name or id,
            "created": {
                "time": to_millis(when) if when is not None else int(time.time() * 1000),
                "actor": str(created_by),
            },
        }
        self._aspects[TRAINING] = {"id": id}
        self.set_subtype(MLAssetSubTypes.MLFLOW_TRAINING_RUN)
        self._set_platform(platform)
        self._apply_common(
            custom_properties=custom_properties,
            external_url=external_url,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        if hyper_params:
            self.set_hyper_params(hyper_params)
        if training_metrics:
            self.set_training_metrics(training_metrics)
        if output_urls:
            self._aspects[TRAINING]["outputUrls"] = [str(u) for u in output_urls]
        if experiment is not None:
            self.set_experiment(experiment)
        for urn in inputs or ():
            self.add_input(urn)
        for urn in outputs or ():
            self.add_output(urn)
        if result is not None:
            self.set_result(result, start_timestamp=start_timestamp, end_timestamp=end_timestamp)
        elif start_timestamp is not None:
            self.set_started(start_timestamp)

    @property
    def run_id(self) -> str:
        return self.key.name

    @property
    def name(self) -> str:
        return str(self._prop("name") or self.run_id)

    def set_name(self, name: str) -> None:
        self._props()["name"] = name

    @property
    def created_by(self) -> str | None:
        stamp = self._prop("created")
        return stamp.get("actor") if stamp else None

    def set_created(self, when: Timestamp | None, actor: str | None = None) -> None:
        if when is None:
            return  # `created` is required on a run
        self._props()["created"] = {
            "time": to_millis(when),
            "actor": str(actor or self.created_by or UNKNOWN_ACTOR),
        }

    @property
    def external_url(self) -> str | None:
        value: str | None = self._prop("externalUrl") or self._field(TRAINING, "externalUrl")
        return value

    # -- params, metrics, outputs ------------------------------------------------

    @property
    def hyper_params(self) -> dict[str, str | None]:
        return value_map(self._field(TRAINING, "hyperParams"))

    def set_hyper_params(self, params: Mapping[str, Any]) -> None:
        self._mutable(TRAINING)["hyperParams"] = name_values(params)

    @property
    def training_metrics(self) -> dict[str, str | None]:
        return value_map(self._field(TRAINING, "trainingMetrics"))

    def set_training_metrics(self, metrics: Mapping[str, Any]) -> None:
        self._mutable(TRAINING)["trainingMetrics"] = name_values(metrics)

    @property
    def output_urls(self) -> list[str]:
        return list(self._field(TRAINING, "outputUrls") or ())

    def add_output_url(self, url: str) -> None:
        self._add_to_list(TRAINING, "outputUrls", str(url))

    # -- result ------------------------------------------------------------------

    @property
    def run_event(self) -> DataProcessInstanceRunEvent | None:
        return self.get_aspect(DataProcessInstanceRunEvent)

    @property
    def result(self) -> RunResultType | None:
        event = self.run_event
        return event.result.type if event and event.result else None

    @property
    def start_timestamp(self) -> int | None:
        event = self.run_event
        if event is None:
            return None
        if event.status == "STARTED":
            return event.timestampMillis
        if event.durationMillis is not None:
            return event.timestampMillis - event.durationMillis
        return None

    @property
    def end_timestamp(self) -> int | None:
        event = self.run_event
        return event.timestampMillis if event and event.status == "COMPLETE" else None

    def set_started(self, start_timestamp: Timestamp) -> None:
        self._aspects[EVENT] = {"timestampMillis": to_millis(start_timestamp), "status": "STARTED"}

    def set_result(
        self,
        result: RunResultType | str,
        *,
        start_timestamp: Timestamp | None = None,
        end_timestamp: Timestamp | None = None,
    ) -> None:
        """Record the run as complete with `result` (SUCCESS, FAILURE, ...)."""
        kind = RunResultType(result)
        end = to_millis(end_timestamp) if end_timestamp is not None else None
        start = to_millis(start_timestamp) if start_timestamp is not None else None
        event: dict[str, Any] = {
            "timestampMillis": end if end is not None else start or int(time.time() * 1000),
            "status": "COMPLETE",
            "result": {"type": kind.value, "nativeResultType": kind.value},
        }
        if start is not None and end is not None:
            event["durationMillis"] = end - start
        self._aspects[EVENT] = event

    # -- experiment and datasets -------------------------------------------------

    @property
    def experiment(self) -> str | None:
        return self.container

    def set_experiment(self, experiment: Any) -> None:
        """Put the run in an experiment (URN or `Experiment`)."""
        self.set_container(experiment)

    @property
    def inputs(self) -> list[str]:
        return list(self._field(INPUT, "inputs") or ())

    def add_input(self, entity: Any) -> None:
        """A dataset (or model, feature table, column) the run read."""
        _add_edge(self._mutable(INPUT), "inputs", "inputEdges", checked_urn(urn_of(entity)))

    @property
    def outputs(self) -> list[str]:
        return list(self._field(OUTPUT, "outputs") or ())

    def add_output(self, entity: Any) -> None:
        """A dataset (or model) the run wrote."""
        _add_edge(self._mutable(OUTPUT), "outputs", "outputEdges", checked_urn(urn_of(entity)))


def _add_edge(aspect: dict[str, Any], plain: str, edges: str, urn: str) -> None:
    """DataHub keeps both a URN list and an edge list; write both, once each."""
    urns = aspect.setdefault(plain, [])
    if urn not in urns:
        urns.append(urn)
    edge_list = aspect.setdefault(edges, [])
    if all(e.get("destinationUrn") != urn for e in edge_list):
        edge_list.append({"destinationUrn": urn})
