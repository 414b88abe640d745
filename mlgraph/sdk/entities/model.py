"""`MLModel`: one trained model (one version of a model group), as DataHub's SDK shapes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlgraph.errors import InvalidInput
from mlgraph.sdk.entities.base import Timestamp, name_values, value_map
from mlgraph.sdk.entities.model_card import ModelCard
from mlgraph.sdk.urns import MlModelUrn, checked_urn, model_version_set

PROPS = "mlModelProperties"
VERSION = "versionProperties"


def sort_id(version: str) -> str:
    """Numeric versions sort by number: `"2"` -> `"0000000002"`."""
    return version.zfill(10) if version.isdigit() else version


def urn_of(value: Any) -> str:
    """An entity's URN, or the value itself when it already is a URN string."""
    return str(getattr(value, "urn", value))


class MLModel(ModelCard):
    ENTITY_TYPE = "mlModel"
    PROPERTIES = PROPS

    def __init__(
        self,
        id: str,
        platform: str,
        *,
        name: str | None = None,
        description: str | None = None,
        env: str = "PROD",
        version: str | None = None,
        aliases: Iterable[str] | None = None,
        model_type: str | None = None,
        hyper_params: Mapping[str, Any] | None = None,
        training_metrics: Mapping[str, Any] | None = None,
        online_metrics: Mapping[str, Any] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        model_group: Any = None,
        training_jobs: Iterable[Any] | None = None,
        downstream_jobs: Iterable[Any] | None = None,
        deployments: Iterable[Any] | None = None,
        features: Iterable[Any] | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(MlModelUrn(platform, id, env))
        props = self._props()
        if name is not None:
            props["name"] = name
        if model_type is not None:
            props["type"] = model_type
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
        if hyper_params:
            self.set_hyper_params(hyper_params)
        if training_metrics:
            self.set_training_metrics(training_metrics)
        if online_metrics:
            self.set_online_metrics(online_metrics)
        if model_group is not None:
            self.set_model_group(model_group)
        for job in training_jobs or ():
            self.add_training_job(job)
        for job in downstream_jobs or ():
            self.add_downstream_job(job)
        for deployment in deployments or ():
            self.add_deployment(deployment)
        for feature in features or ():
            self.add_feature(feature)
        if version is not None:
            self.set_version(version)
        for alias in aliases or ():
            self.add_version_alias(alias)

    @property
    def name(self) -> str:
        value = self._prop("name")
        return str(value) if value is not None else self.key.name

    def set_name(self, name: str) -> None:
        self._props()["name"] = name

    @property
    def model_type(self) -> str | None:
        value: str | None = self._prop("type")
        return value

    def set_model_type(self, model_type: str) -> None:
        self._props()["type"] = model_type

    # -- params and metrics ----------------------------------------------------

    @property
    def hyper_params(self) -> dict[str, str | None]:
        return value_map(self._prop("hyperParams"))

    def set_hyper_params(self, params: Mapping[str, Any]) -> None:
        self._props()["hyperParams"] = name_values(params)

    def add_hyper_param(self, name: str, value: Any) -> None:
        self.set_hyper_params({**self.hyper_params, name: value})

    @property
    def training_metrics(self) -> dict[str, str | None]:
        return value_map(self._prop("trainingMetrics"))

    def set_training_metrics(self, metrics: Mapping[str, Any]) -> None:
        self._props()["trainingMetrics"] = name_values(metrics)

    def add_training_metric(self, name: str, value: Any) -> None:
        self.set_training_metrics({**self.training_metrics, name: value})

    @property
    def online_metrics(self) -> dict[str, str | None]:
        return value_map(self._prop("onlineMetrics"))

    def set_online_metrics(self, metrics: Mapping[str, Any]) -> None:
        self._props()["onlineMetrics"] = name_values(metrics)

    # -- links to other entities ----------------------------------------------

    @property
    def groups(self) -> list[str]:
        return list(self._prop("groups") or ())

    @property
    def model_group(self) -> str | None:
        groups = self.groups
        return groups[0] if groups else None

    def add_group(self, group: Any) -> None:
        """Make the model a member of a model group (URN or `MLModelGroup`)."""
        self._add_to_list(PROPS, "groups", checked_urn(urn_of(group), "mlModelGroup"))

    def set_model_group(self, group: Any) -> None:
        """Make `group` the model's only group."""
        self._props()["groups"] = [checked_urn(urn_of(group), "mlModelGroup")]

    def remove_group(self, group: Any) -> None:
        self._remove_from_list(PROPS, "groups", urn_of(group))

    @property
    def training_jobs(self) -> list[str]:
        return list(self._prop("trainingJobs") or ())

    def add_training_job(self, job: Any) -> None:
        """Record the run (URN or `TrainingRun`) that trained this model."""
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

    @property
    def deployments(self) -> list[str]:
        return list(self._prop("deployments") or ())

    def add_deployment(self, deployment: Any) -> None:
        urn = checked_urn(urn_of(deployment), "mlModelDeployment")
        self._add_to_list(PROPS, "deployments", urn)

    @property
    def features(self) -> list[str]:
        return list(self._prop("mlFeatures") or ())

    def add_feature(self, feature: Any) -> None:
        self._add_to_list(PROPS, "mlFeatures", checked_urn(urn_of(feature), "mlFeature"))

    # -- versions ----------------------------------------------------------------

    @property
    def version(self) -> str | None:
        tag = self._field(VERSION, "version")
        return tag.get("versionTag") if tag else None

    def set_version(self, version: str) -> None:
        """Set the version tag; the version set is derived from the model URN, as
        DataHub's SDK does, so every version of one model lands in the same set."""
        version = str(version)
        current = self._aspects.get(VERSION)
        if current is None:
            current = self._aspects[VERSION] = {"versionSet": model_version_set(self.urn)}
        current["version"] = {"versionTag": version}
        current["sortId"] = sort_id(version)

    @property
    def version_set(self) -> str | None:
        value: str | None = self._field(VERSION, "versionSet")
        return value

    @property
    def aliases(self) -> list[str]:
        return [a["versionTag"] for a in self._field(VERSION, "aliases") or () if "versionTag" in a]

    def add_version_alias(self, alias: str) -> None:
        """Point an alias (`champion`, `challenger`) at this version."""
        if VERSION not in self._aspects:
            raise InvalidInput(f"{self.urn}: set a version before adding the alias {alias!r}")
        self._add_to_list(VERSION, "aliases", {"versionTag": str(alias)})

    def remove_version_alias(self, alias: str) -> None:
        self._remove_from_list(VERSION, "aliases", {"versionTag": str(alias)})

    def set_version_aliases(self, aliases: Sequence[str]) -> None:
        if VERSION not in self._aspects:
            raise InvalidInput(f"{self.urn}: set a version before setting aliases")
        self._aspects[VERSION]["aliases"] = [{"versionTag": str(a)} for a in aliases]
