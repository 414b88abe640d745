"""`Container` (DataHub's generic grouping) and `Experiment`, a container with the
"ML Experiment" subtype that groups training runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mlgraph.model.urn import guid, platform_urn
from mlgraph.sdk.entities.base import Entity, Timestamp
from mlgraph.sdk.urns import ContainerUrn

PROPS = "containerProperties"


class MLAssetSubTypes:
    """Subtype names DataHub gives ML assets."""

    MLFLOW_EXPERIMENT = "ML Experiment"
    MLFLOW_TRAINING_RUN = "ML Training Run"


@dataclass(frozen=True)
class ContainerKey:
    """What identifies a container: its platform and a name (DataHub's ContainerKey)."""

    platform: str
    name: str | None = None
    instance: str | None = None

    def guid(self) -> str:
        return container_guid(self.platform, self.name, self.instance)

    def as_urn(self) -> str:
        return ContainerUrn(self.guid())


def container_guid(platform: str, name: str | None = None, instance: str | None = None) -> str:
    """The container GUID, which must match DataHub's `ContainerKey(...).guid()`.

    DataHub hashes the key's pydantic fields, dropping `env` and every None value:
    md5 of `json.dumps(fields, separators=(",", ":"), sort_keys=True)`, with the
    platform exactly as given (`"mlflow"`, not its URN). For `ContainerKey(platform,
    name)` that is `{"name": name, "platform": platform}`. To be verified against the
    real DataHub client: if its base ContainerKey ignores the undeclared `name` field,
    DataHub's GUID would leave it out.
    """
    fields = {"platform": platform, "name": name, "instance": instance}
    return guid({k: v for k, v in fields.items() if v is not None})


class Container(Entity):
    ENTITY_TYPE = "container"
    PROPERTIES = PROPS

    def __init__(
        self,
        container_key: ContainerKey | str,
        *,
        display_name: str | None = None,
        description: str | None = None,
        extra_properties: Mapping[str, Any] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        qualified_name: str | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        subtype: str | None = None,
        env: str | None = None,
        parent_container: Any = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        """`container_key` is a `ContainerKey` or the container's URN;
        `extra_properties` is DataHub's name for custom properties."""
        if isinstance(container_key, ContainerKey):
            super().__init__(container_key.as_urn())
            self._aspects["dataPlatformInstance"] = {
                "platform": platform_urn(container_key.platform)
            }
            default_name = container_key.name or container_key.guid()
        else:
            super().__init__(ContainerUrn(container_key))
            default_name = self.key.name
        self.container_key = container_key if isinstance(container_key, ContainerKey) else None
        props = self._props()
        props["name"] = display_name or default_name
        if qualified_name is not None:
            props["qualifiedName"] = qualified_name
        if env is not None:
            props["env"] = env
        self._apply_common(
            description=description,
            custom_properties={**(custom_properties or {}), **(extra_properties or {})},
            external_url=external_url,
            created=created,
            last_modified=last_modified,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        if subtype is not None:
            self.set_subtype(subtype)
        if parent_container is not None:
            self.set_container(parent_container)

    @classmethod
    def _from_server(cls, data: dict[str, Any]) -> Any:
        entity = super()._from_server(data)
        entity.container_key = None
        return entity

    def set_display_name(self, name: str) -> None:
        self._props()["name"] = name

    @property
    def qualified_name(self) -> str | None:
        value: str | None = self._prop("qualifiedName")
        return value


class Experiment(Container):
    """An ML experiment: a container with subtype "ML Experiment" grouping training runs.

    `id` is the experiment's name on its platform (the container key's name);
    `name`/`display_name` is what people read."""

    def __init__(
        self,
        id: str,
        platform: str = "mlflow",
        *,
        name: str | None = None,
        display_name: str | None = None,
        description: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(
            ContainerKey(platform=platform, name=id),
            display_name=display_name or name or id,
            description=description,
            custom_properties=custom_properties,
            external_url=external_url,
            created=created,
            last_modified=last_modified,
            subtype=MLAssetSubTypes.MLFLOW_EXPERIMENT,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )

    @property
    def name(self) -> str:
        return self.display_name
