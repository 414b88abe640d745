"""Aspect schemas, one module per family. `ALL_ASPECTS` maps aspect name -> schema."""

from __future__ import annotations

from mlgraph.model.aspects import common, dataset, feature, mlmodel, process
from mlgraph.model.aspects.base import Aspect

ALL_ASPECTS: dict[str, type[Aspect]] = {
    cls.ASPECT_NAME: cls
    for module in (common, dataset, feature, mlmodel, process)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, Aspect) and cls is not Aspect
}

__all__ = ["ALL_ASPECTS", "Aspect"]
