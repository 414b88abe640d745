"""Features, primary keys and feature tables. A feature's sources may be whole
datasets or single columns (`schemaField` URNs), so impact analysis reaches columns."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mlgraph.model.aspects.base import Aspect
from mlgraph.model.fields import CustomProperties, Lineage, Rel, Searchable, UrnStr, VersionTag

SOURCES = ("dataset", "schemaField")


class MLFeatureProperties(Aspect):
    ASPECT_NAME = "mlFeatureProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    description: Annotated[str | None, Searchable()] = None
    dataType: Annotated[str | None, Searchable("keyword")] = None
    version: VersionTag | None = None
    sources: Annotated[list[UrnStr] | None, Rel("DerivedFrom", Lineage.UPSTREAM, *SOURCES)] = None
    featureAlgorithm: str | None = None


class MLPrimaryKeyProperties(Aspect):
    ASPECT_NAME = "mlPrimaryKeyProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    description: Annotated[str | None, Searchable()] = None
    dataType: str | None = None
    version: VersionTag | None = None
    sources: Annotated[list[UrnStr], Rel("DerivedFrom", Lineage.UPSTREAM, *SOURCES)]


class MLFeatureTableProperties(Aspect):
    ASPECT_NAME = "mlFeatureTableProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    description: Annotated[str | None, Searchable()] = None
    mlFeatures: Annotated[list[UrnStr] | None, Rel("Contains", Lineage.UPSTREAM, "mlFeature")] = (
        None
    )
    mlPrimaryKeys: Annotated[
        list[UrnStr] | None, Rel("KeyedBy", Lineage.UPSTREAM, "mlPrimaryKey")
    ] = None
