"""Entity classes, one module per family, and the mapping from a stored entity to its
class (`entity_from_json`)."""

from __future__ import annotations

from typing import Any

from mlgraph.sdk.entities.base import Entity
from mlgraph.sdk.entities.container import Container, ContainerKey, Experiment, MLAssetSubTypes
from mlgraph.sdk.entities.dataset import Column, Dataset
from mlgraph.sdk.entities.deployment import Deployment
from mlgraph.sdk.entities.feature import MLFeature, MLFeatureTable
from mlgraph.sdk.entities.model import MLModel
from mlgraph.sdk.entities.model_card import BaseData
from mlgraph.sdk.entities.model_group import MLModelGroup
from mlgraph.sdk.entities.run import TrainingRun

_BY_TYPE: dict[str, type[Entity]] = {
    "mlModel": MLModel,
    "mlModelGroup": MLModelGroup,
    "mlModelDeployment": Deployment,
    "dataset": Dataset,
    "mlFeature": MLFeature,
    "mlFeatureTable": MLFeatureTable,
    "dataProcessInstance": TrainingRun,
    "container": Container,
}


def entity_from_json(data: dict[str, Any]) -> Entity:
    """The typed entity for a `GET /api/v1/entities/{urn}` body: a container whose
    subtype is "ML Experiment" is an `Experiment`; unknown types are a plain `Entity`."""
    cls = _BY_TYPE.get(data["type"], Entity)
    if cls is Container:
        subtypes = ((data.get("aspects") or {}).get("subTypes") or {}).get("value") or {}
        if MLAssetSubTypes.MLFLOW_EXPERIMENT in subtypes.get("typeNames", ()):
            cls = Experiment
    return cls._from_server(data)


__all__ = [
    "BaseData",
    "Column",
    "Container",
    "ContainerKey",
    "Dataset",
    "Deployment",
    "Entity",
    "Experiment",
    "MLAssetSubTypes",
    "MLFeature",
    "MLFeatureTable",
    "MLModel",
    "MLModelGroup",
    "TrainingRun",
    "entity_from_json",
]
