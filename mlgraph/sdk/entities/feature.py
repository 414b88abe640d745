"""`MLFeature` and `MLFeatureTable`: model inputs, derived from datasets or columns,
and the feature-store tables that group them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlgraph.errors import InvalidInput
from mlgraph.sdk.entities.base import Entity
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.urns import MlFeatureTableUrn, MlFeatureUrn, checked_urn

FEATURE = "mlFeatureProperties"
TABLE = "mlFeatureTableProperties"


class MLFeature(Entity):
    ENTITY_TYPE = "mlFeature"
    PROPERTIES = FEATURE

    def __init__(
        self,
        name: str,
        *,
        namespace: str | None = None,
        table: str | None = None,
        data_type: str | None = None,
        description: str | None = None,
        sources: Iterable[Any] | None = None,
        version: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        """`namespace` (or its synonym `table`, the feature table's name) scopes `name`."""
        ns = namespace or table
        if not ns:
            raise InvalidInput(f"feature {name!r} needs a namespace (or table)")
        super().__init__(MlFeatureUrn(ns, name))
        props = self._props()
        if data_type is not None:
            props["dataType"] = data_type
        if version is not None:
            props["version"] = {"versionTag": str(version)}
        self._apply_common(
            description=description,
            custom_properties=custom_properties,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        for source in sources or ():
            self.add_source(source)

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def namespace(self) -> str:
        from mlgraph.model.urn import Urn

        return Urn.parse(self.urn).parts[0]

    @property
    def data_type(self) -> str | None:
        value: str | None = self._prop("dataType")
        return value

    def set_data_type(self, data_type: str) -> None:
        self._props()["dataType"] = data_type

    @property
    def sources(self) -> list[str]:
        return list(self._prop("sources") or ())

    def add_source(self, source: Any) -> None:
        """A dataset or a single column (`schemaField` URN) the feature derives from."""
        self._add_to_list(FEATURE, "sources", checked_urn(urn_of(source), "dataset", "schemaField"))


class MLFeatureTable(Entity):
    ENTITY_TYPE = "mlFeatureTable"
    PROPERTIES = TABLE

    def __init__(
        self,
        platform: str,
        name: str,
        *,
        description: str | None = None,
        features: Iterable[Any] | None = None,
        primary_keys: Iterable[str] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(MlFeatureTableUrn(platform, name))
        self._props()
        self._set_platform(platform)
        self._apply_common(
            description=description,
            custom_properties=custom_properties,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        for feature in features or ():
            self.add_feature(feature)
        for key in primary_keys or ():
            self.add_primary_key(key)

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def features(self) -> list[str]:
        return list(self._prop("mlFeatures") or ())

    def add_feature(self, feature: Any) -> None:
        """A feature of this table (URN or `MLFeature`)."""
        self._add_to_list(TABLE, "mlFeatures", checked_urn(urn_of(feature), "mlFeature"))

    def remove_feature(self, feature: Any) -> None:
        self._remove_from_list(TABLE, "mlFeatures", urn_of(feature))

    @property
    def primary_keys(self) -> list[str]:
        return list(self._prop("mlPrimaryKeys") or ())

    def add_primary_key(self, key: str) -> None:
        """A primary key by `mlPrimaryKey` URN."""
        self._add_to_list(TABLE, "mlPrimaryKeys", checked_urn(key, "mlPrimaryKey"))
