"""`Deployment`: a running endpoint serving a model (DataHub's mlModelDeployment).

The link from model to deployment lives on the model (`mlModelProperties.deployments`),
as in DataHub; `Deployment(model=...)` asks the client to add it there when upserting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlgraph.model.aspects.mlmodel import DeploymentStatus
from mlgraph.sdk.entities.base import Entity, Timestamp, to_millis
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.urns import MlModelDeploymentUrn, checked_urn

PROPS = "mlModelDeploymentProperties"


class Deployment(Entity):
    ENTITY_TYPE = "mlModelDeployment"
    PROPERTIES = PROPS

    def __init__(
        self,
        platform: str,
        name: str,
        *,
        env: str = "PROD",
        display_name: str | None = None,
        description: str | None = None,
        status: DeploymentStatus | str | None = None,
        endpoint_url: str | None = None,
        model: Any = None,
        version: str | None = None,
        created: Timestamp | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(MlModelDeploymentUrn(platform, name, env))
        props = self._props()
        if display_name is not None:
            props["name"] = display_name
        if status is not None:
            self.set_status(status)
        if endpoint_url is not None:
            props["endpointUrl"] = endpoint_url
        if version is not None:
            props["version"] = {"versionTag": str(version)}
        if created is not None:
            props["createdAt"] = to_millis(created)
        self._set_platform(platform)
        self._apply_common(
            description=description,
            custom_properties=custom_properties,
            external_url=external_url,
            owners=owners,
            tags=tags,
            terms=terms,
            domain=domain,
        )
        self.model: str | None = None
        if model is not None:
            self.set_model(model)

    @property
    def name(self) -> str:
        value = self._prop("name")
        return str(value) if value is not None else self.key.name

    @property
    def status(self) -> DeploymentStatus | None:
        value = self._prop("status")
        return DeploymentStatus(value) if value else None

    def set_status(self, status: DeploymentStatus | str) -> None:
        self._props()["status"] = DeploymentStatus(status).value

    @property
    def endpoint_url(self) -> str | None:
        value: str | None = self._prop("endpointUrl")
        return value

    def set_endpoint_url(self, url: str | None) -> None:
        if url is None:
            self._props().pop("endpointUrl", None)
        else:
            self._props()["endpointUrl"] = url

    @property
    def version(self) -> str | None:
        tag = self._prop("version")
        return tag.get("versionTag") if tag else None

    def set_model(self, model: Any) -> None:
        """The model this endpoint serves; written to the model's `deployments` on upsert.
        (Read back with `client.relationships(deployment.urn, types=["DeployedTo"])`.)"""
        self.model = checked_urn(urn_of(model), "mlModel")

    def _links(self) -> list[tuple[str, str, str, str]]:
        """(target URN, aspect, list field, URN to add) the client writes alongside."""
        if self.model is None:
            return []
        return [(self.model, "mlModelProperties", "deployments", self.urn)]

    @classmethod
    def _from_server(cls, data: dict[str, Any]) -> Deployment:
        entity = super()._from_server(data)
        entity.model = None
        return entity
