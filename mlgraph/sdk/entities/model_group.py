"""`MLModelGroup`: a family of models, e.g. every version of one registered model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlgraph.sdk.entities.base import Entity, Timestamp
from mlgraph.sdk.entities.model import urn_of
from mlgraph.sdk.urns import MlModelGroupUrn, checked_urn

PROPS = "mlModelGroupProperties"


class MLModelGroup(Entity):
    ENTITY_TYPE = "mlModelGroup"
    PROPERTIES = PROPS

    def __init__(
        self,
        id: str,
        platform: str,
        *,
        name: str | None = None,
        description: str | None = None,
        env: str = "PROD",
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        training_jobs: Iterable[Any] | None = None,
        downstream_jobs: Iterable[Any] | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(MlModelGroupUrn(platform, id, env))
        props = self._props()
        if name is not None:
            props["name"] = name
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
        for job in training_jobs or ():
            self.add_training_job(job)
        for job in downstream_jobs or ():
            self.add_downstream_job(job)

    @property
    def name(self) -> str:
        value = self._prop("name")
        return str(value) if value is not None else self.key.name

    def set_name(self, name: str) -> None:
        self._props()["name"] = name

    @property
    def training_jobs(self) -> list[str]:
        return list(self._prop("trainingJobs") or ())

    def add_training_job(self, job: Any) -> None:
        """Record a run (URN or `TrainingRun`) that trained a model of this group."""
        urn = checked_urn(urn_of(job), "dataProcessInstance", "dataJob")
        self._add_to_list(PROPS, "trainingJobs", urn)

    def remove_training_job(self, job: Any) -> None:
        self._remove_from_list(PROPS, "trainingJobs", urn_of(job))

    @property
    def downstream_jobs(self) -> list[str]:
        return list(self._prop("downstreamJobs") or ())

    def add_downstream_job(self, job: Any) -> None:
        urn = checked_urn(urn_of(job), "dataProcessInstance", "dataJob")
        self._add_to_list(PROPS, "downstreamJobs", urn)
