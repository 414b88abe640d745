"""`Dataset`: a table or file; training input, evaluation data or predictions output."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlgraph.model.urn import platform_urn
from mlgraph.sdk.entities.base import Entity, Timestamp
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.urns import DatasetUrn, checked_urn

PROPS = "datasetProperties"

# DataHub's schema field types, keyed by the loose names people write.
_FIELD_TYPES = {
    "string": "StringType",
    "str": "StringType",
    "text": "StringType",
    "varchar": "StringType",
    "number": "NumberType",
    "int": "NumberType",
    "integer": "NumberType",
    "long": "NumberType",
    "float": "NumberType",
    "double": "NumberType",
    "decimal": "NumberType",
    "bool": "BooleanType",
    "boolean": "BooleanType",
    "date": "DateType",
    "time": "TimeType",
    "timestamp": "TimeType",
    "datetime": "TimeType",
    "bytes": "BytesType",
    "binary": "BytesType",
    "array": "ArrayType",
    "list": "ArrayType",
    "map": "MapType",
    "struct": "RecordType",
    "record": "RecordType",
    "enum": "EnumType",
    "null": "NullType",
}


@dataclass(frozen=True)
class Column:
    """One schema field: its name (field path), native type and description."""

    name: str
    type: str
    description: str | None = None


ColumnSpec = Column | tuple[str, str] | tuple[str, str, str]


def _field(col: ColumnSpec) -> dict[str, Any]:
    c = col if isinstance(col, Column) else Column(*col)
    kind = _FIELD_TYPES.get(c.type.lower(), "NullType")
    field: dict[str, Any] = {
        "fieldPath": c.name,
        "nativeDataType": c.type,
        "type": {"type": {f"com.linkedin.schema.{kind}": {}}},
    }
    if c.description is not None:
        field["description"] = c.description
    return field


class Dataset(Entity):
    ENTITY_TYPE = "dataset"
    PROPERTIES = PROPS

    def __init__(
        self,
        platform: str,
        name: str,
        *,
        env: str = "PROD",
        description: str | None = None,
        display_name: str | None = None,
        qualified_name: str | None = None,
        schema: Sequence[ColumnSpec] | None = None,
        upstreams: Iterable[Any] | None = None,
        subtype: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(DatasetUrn(platform, name, env))
        props = self._props()
        if display_name is not None:
            props["name"] = display_name
        if qualified_name is not None:
            props["qualifiedName"] = qualified_name
        self._set_platform(platform)
        self._apply_common(
            description=description,
            custom_properties=custom_properties,
            external_url=external_url,
            created=created,
            last_modified=last_modified,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        if schema is not None:
            self.set_schema(schema)
        if upstreams:
            self.set_upstreams(upstreams)
        if subtype is not None:
            self.set_subtype(subtype)

    def set_display_name(self, name: str) -> None:
        self._props()["name"] = name

    @property
    def qualified_name(self) -> str | None:
        value: str | None = self._prop("qualifiedName")
        return value

    @property
    def schema(self) -> list[Column]:
        return [
            Column(f["fieldPath"], f.get("nativeDataType", ""), f.get("description"))
            for f in self._field("schemaMetadata", "fields") or ()
        ]

    def set_schema(self, columns: Sequence[ColumnSpec]) -> None:
        """Columns as `(name, type)` or `(name, type, description)` tuples or `Column`s."""
        platform = self.platform or "unknown"
        self._aspects["schemaMetadata"] = {
            "schemaName": self.key.name,
            "platform": platform_urn(platform),
            "version": 0,
            "hash": "",
            "platformSchema": {"com.linkedin.schema.OtherSchema": {"rawSchema": ""}},
            "fields": [_field(c) for c in columns],
        }

    @property
    def upstreams(self) -> list[str]:
        return [u["dataset"] for u in self._field("upstreamLineage", "upstreams") or ()]

    def add_upstream(self, upstream: Any, type: str = "TRANSFORMED") -> None:
        """An entity this dataset is derived from (dataset, model, deployment, run...)."""
        urn = checked_urn(urn_of(upstream))
        self._add_to_list("upstreamLineage", "upstreams", {"dataset": urn, "type": type})

    def set_upstreams(self, upstreams: Iterable[Any]) -> None:
        self._aspects["upstreamLineage"] = {"upstreams": []}
        for upstream in upstreams:
            self.add_upstream(upstream)
