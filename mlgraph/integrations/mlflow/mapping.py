"""MLflow's objects -> catalog aspects: the one mapping both MLflow paths use. The pull
source (`source.py`) maps what it reads from an MLflow server; the MLflow API mlgraph
serves (`server/`) maps its own state after every change. On the URNs of `urns.py`
(DataHub's MLflow source), so either path lands on the same entities.

Every value is built only from the MLflow objects — no clock reads, no caller — so the
same MLflow state always yields the same aspects, and a write of them reports unchanged.

What MLflow owns: the fields these aspects set (`OWNED`). The MLflow API merges them into
what an entity already holds, so what people add in mlgraph to the same aspects (a
model's features, tags of their own, owners) stays; the pull source writes whole aspects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgraph.integrations.mlflow import urns
from mlgraph.integrations.mlflow.datasets import DatasetRecord, run_datasets
from mlgraph.integrations.mlflow.objects import (
    Experiment,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    Run,
    metric_value,
)
from mlgraph.model.aspects import Aspect
from mlgraph.model.aspects.common import (
    Container,
    DataPlatformInstance,
    GlobalTags,
    Ownership,
    Status,
    SubTypes,
    TagProperties,
    VersionSetProperties,
)
from mlgraph.model.aspects.mlmodel import (
    MLModelGroupProperties,
    MLModelProperties,
    VersionProperties,
)
from mlgraph.model.aspects.process import (
    ContainerProperties,
    DataProcessInstanceInput,
    DataProcessInstanceOutput,
    DataProcessInstanceProperties,
    DataProcessInstanceRunEvent,
    MLTrainingRunProperties,
)
from mlgraph.model.fields import AuditStamp, TimeStamp, VersionTag
from mlgraph.model.urn import user_urn

Mapped = list[tuple[str, Aspect]]  # (entity URN, aspect value)

# MLflow's run statuses as DataHub's run results (as its MLflow source maps them).
RESULTS = {"FINISHED": "SUCCESS", "FAILED": "FAILURE"}  # KILLED and the rest: SKIPPED
TERMINAL = frozenset({"FINISHED", "FAILED", "KILLED"})
LOGGED_MODEL_SUBTYPE = "MLflow Logged Model"


def _platform_and_status(urn: str, removed: bool, subtype: str | None = None) -> Mapped:
    out: Mapped = [(urn, DataPlatformInstance(platform=urns.PLATFORM_URN))]
    if subtype:
        out.append((urn, SubTypes(typeNames=[subtype])))
    return [*out, (urn, Status(removed=removed))]


def _stamp(time: int | None, actor: str | None = None) -> TimeStamp | None:
    return TimeStamp(time=time, actor=actor) if time is not None else None


def _owner(user_id: str) -> Ownership:
    return Ownership.model_validate({"owners": [{"owner": user_urn(user_id)}]})


def metric_text(value: float) -> str:
    """A latest metric value as the catalog keeps it: Python's text of the float
    ("nan" for a diverging loss), which search parses back into a number."""
    return str(float(value))


def _url(ui_url: str | None, path: str) -> str | None:
    return f"{ui_url.rstrip('/')}/#/{path}" if ui_url else None


# -- experiments ----------------------------------------------------------------


def experiment(exp: Experiment, urn: str, ui_url: str | None = None) -> Mapped:
    """An experiment as an ML Experiment container. `urn` is where it lives: by its
    name when it was made, so a rename keeps its runs in place."""
    custom = dict(exp.tags)
    if exp.artifact_location:
        custom["artifacts_location"] = exp.artifact_location
    custom["experiment_id"] = exp.experiment_id
    props = ContainerProperties(
        name=exp.name,
        description=exp.tags.get("mlflow.note.content") or None,
        customProperties=custom,
        externalUrl=_url(ui_url, f"experiments/{exp.experiment_id}"),
        created=_stamp(exp.creation_time),
    )
    return [(urn, props), *_platform_and_status(urn, exp.deleted, urns.EXPERIMENT_SUBTYPE)]


# -- runs -----------------------------------------------------------------------


@dataclass
class RunMapping:
    urn: str
    aspects: Mapped
    datasets: list[DatasetRecord] = field(default_factory=list)

    def all(self) -> Mapped:
        """The run's aspects, then those of the datasets it read."""
        return [*self.aspects, *((d.urn, a) for d in self.datasets for a in d.aspects)]


def hyper_params(run: Run) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in sorted(run.params.items())]


def training_metrics(run: Run, with_time: bool = True) -> list[dict[str, Any]]:
    """Each metric's latest value, as text, sorted by name."""
    out = []
    for key, m in sorted(run.metrics.items()):
        item: dict[str, Any] = {"name": key, "value": metric_text(m.value)}
        if with_time:
            item["createdAt"] = m.timestamp
        out.append(item)
    return out


def run_event(run: Run) -> DataProcessInstanceRunEvent | None:
    """COMPLETE with its result once a run has ended (at its end time, else its start),
    STARTED while it runs."""
    start, end = run.start_time, run.end_time
    if run.status in TERMINAL or end is not None:
        return DataProcessInstanceRunEvent.model_validate(
            {
                "timestampMillis": end if end is not None else start or 0,
                "status": "COMPLETE",
                "result": {
                    "type": RESULTS.get(run.status, "SKIPPED"),
                    "nativeResultType": run.status,
                },
                "durationMillis": max(0, end - start)
                if end is not None and start is not None
                else None,
            }
        )
    if start is not None:
        return DataProcessInstanceRunEvent.model_validate(
            {"timestampMillis": start, "status": "STARTED"}
        )
    return None


RUN_ASPECTS = frozenset(
    {
        "dataProcessInstanceProperties",
        "mlTrainingRunProperties",
        "container",
        "dataProcessInstanceRunEvent",
        "dataProcessInstanceInput",
        "dataProcessInstanceOutput",
        "subTypes",
        "dataPlatformInstance",
        "status",
    }
)


def run(
    r: Run,
    experiment_urn: str,
    *,
    versions: Sequence[str] = (),
    ui_url: str | None = None,
    only: frozenset[str] = RUN_ASPECTS,
) -> RunMapping:
    """A run's aspects and the datasets it read. `versions`: URNs of the model versions
    registered from it; with the logged models it names as outputs (MLflow 3), they are
    its outputs. `only`: the aspects to build, for a change that touches no others (the
    datasets come with `dataProcessInstanceInput`)."""
    urn = urns.run_urn(r.run_id)
    out: Mapped = []
    if "dataProcessInstanceProperties" in only:
        actor = user_urn(r.user_id) if r.user_id else "urn:li:corpuser:unknown"
        props = DataProcessInstanceProperties(
            name=r.name,
            created=AuditStamp(time=r.start_time or 0, actor=actor),
            customProperties=dict(r.tags),
            externalUrl=_url(ui_url, f"experiments/{r.experiment_id}/runs/{r.run_id}"),
        )
        out.append((urn, props))
    if "mlTrainingRunProperties" in only:
        training = MLTrainingRunProperties.model_validate(
            {
                "id": r.run_id,
                "outputUrls": [r.artifact_uri] if r.artifact_uri else [],
                "hyperParams": hyper_params(r),
                "trainingMetrics": training_metrics(r),
            }
        )
        out.append((urn, training))
    if "container" in only:
        out.append((urn, Container(container=experiment_urn)))
    event = run_event(r) if "dataProcessInstanceRunEvent" in only else None
    if event is not None:
        out.append((urn, event))
    datasets = run_datasets(r) if "dataProcessInstanceInput" in only else []
    if datasets:
        inputs = sorted(d.urn for d in datasets)
        edges = {d.urn: d.edge for d in datasets}
        value = {
            "inputs": inputs,
            "inputEdges": [{"destinationUrn": u, "properties": edges[u]} for u in inputs],
        }
        out.append((urn, DataProcessInstanceInput.model_validate(value)))
    outputs = sorted({*versions, *(urns.logged_model_urn(o["model_id"]) for o in r.model_outputs)})
    if outputs and "dataProcessInstanceOutput" in only:
        value = {"outputs": outputs, "outputEdges": [{"destinationUrn": u} for u in outputs]}
        out.append((urn, DataProcessInstanceOutput.model_validate(value)))
    out += [
        (u, a)
        for u, a in _platform_and_status(urn, r.deleted, urns.RUN_SUBTYPE)
        if a.ASPECT_NAME in only
    ]
    return RunMapping(urn, out, datasets)


def metric_points(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """MLflow metric points as `append_metrics` points (NaN passed on as "NaN")."""
    out = []
    for m in history:
        try:
            value = metric_value(m.get("value"))
        except (TypeError, ValueError):
            continue
        out.append(
            {
                "key": str(m["key"]),
                "value": "NaN" if value != value else value,
                "timestamp": int(m.get("timestamp") or 0),
                "step": int(m.get("step") or 0),
            }
        )
    return out


# -- logged models (MLflow 3) ---------------------------------------------------


def logged_model(m: LoggedModel, experiment_urn: str) -> Mapped:
    """A logged model: an mlModel of its own, in its experiment, trained by its run."""
    urn = urns.logged_model_urn(m.model_id)
    props = MLModelProperties.model_validate(
        {
            "name": m.name,
            "customProperties": dict(m.tags),
            "created": {"time": m.creation_timestamp} if m.creation_timestamp else None,
            "type": m.model_type or None,
            "hyperParams": [{"name": k, "value": v} for k, v in sorted(m.params.items())],
            "trainingJobs": [urns.run_urn(m.source_run_id)] if m.source_run_id else None,
        }
    )
    return [
        (urn, props),
        (urn, Container(container=experiment_urn)),
        *_platform_and_status(urn, m.deleted, LOGGED_MODEL_SUBTYPE),
    ]


# -- the registry ---------------------------------------------------------------


def registered_model(rm: RegisteredModel, latest: str | None, ui_url: str | None = None) -> Mapped:
    """A registered model as a model group; `latest` is its newest version number.
    MLflow's last-update times stay MLflow's (every stage and alias move changes them;
    mapped, each would rewrite and re-index the group and its versions): the entity's
    own `updated_at` says when it last changed."""
    urn = urns.model_group_urn(rm.name)
    props = MLModelGroupProperties(
        name=rm.name,
        description=rm.description or None,
        customProperties=dict(rm.tags),
        externalUrl=_url(ui_url, f"models/{rm.name}"),
        created=_stamp(rm.creation_timestamp),
        version=VersionTag(versionTag=latest) if latest else None,
    )
    out: Mapped = [(urn, props), *_platform_and_status(urn, False)]
    if rm.user_id:
        out.append((urn, _owner(rm.user_id)))
    return out


def version_properties(
    mv: ModelVersion, run: Run | None, logged: LoggedModel | None = None, ui_url: str | None = None
) -> tuple[str, MLModelProperties]:
    """A version's mlModelProperties: its group, the run it came from, and that run's
    params and latest metrics."""
    run_id = mv.run_id or (logged.source_run_id if logged else "")
    user = _user_of(mv, run)
    created: dict[str, Any] | None = None
    if mv.creation_timestamp is not None:
        created = {"time": mv.creation_timestamp}
        if user:
            created["actor"] = user_urn(user)
    props = MLModelProperties.model_validate(
        {
            "name": f"{mv.name}_{mv.version}",
            "description": mv.description or None,
            "customProperties": dict(mv.tags),
            "tags": [f"{k}:{v}" for k, v in sorted(mv.tags.items())],
            "externalUrl": _url(ui_url, f"models/{mv.name}/versions/{mv.version}"),
            "created": created,
            "version": {"versionTag": mv.version},
            "type": (logged.model_type if logged else "") or None,
            "groups": [urns.model_group_urn(mv.name)],
            "trainingJobs": [urns.run_urn(run_id)] if run_id else None,
            "hyperParams": hyper_params(run) if run else None,
            "trainingMetrics": training_metrics(run, with_time=False) if run else None,
        }
    )
    return urns.model_version_urn(mv.name, mv.version), props


def version_state(mv: ModelVersion) -> Mapped:
    """What a stage or alias move changes: versionProperties (aliases) and the stage tag."""
    urn = urns.model_version_urn(mv.name, mv.version)
    version_props = VersionProperties.model_validate(
        {
            "versionSet": urns.version_set_urn(mv.name),
            "version": {"versionTag": mv.version},
            "sortId": mv.version.zfill(10),
            "aliases": [{"versionTag": a} for a in sorted(mv.aliases)],
        }
    )
    stage = GlobalTags.model_validate({"tags": [{"tag": urns.stage_tag_urn(mv.current_stage)}]})
    return [(urn, version_props), (urn, stage)]


def model_version(
    mv: ModelVersion,
    run: Run | None,
    logged: LoggedModel | None = None,
    ui_url: str | None = None,
) -> Mapped:
    """One registered version: an mlModel in its group's version set, with the params
    and latest metrics of the run it came from, and its stage as a tag."""
    urn, props = version_properties(mv, run, logged, ui_url)
    out: Mapped = [(urn, props), *version_state(mv), *_platform_and_status(urn, False)]
    user = _user_of(mv, run)
    if user:
        out.append((urn, _owner(user)))
    return out


def _user_of(mv: ModelVersion, run: Run | None) -> str:
    """Who registered a version: MLflow often leaves it empty; then its run's user."""
    return mv.user_id or (run.user_id if run else "")


def version_set(name: str, latest_version: str) -> Mapped:
    latest = urns.model_version_urn(name, latest_version)
    return [(urns.version_set_urn(name), VersionSetProperties(latest=latest))]


def stage_tag(stage: str) -> Mapped:
    urn = urns.stage_tag_urn(stage)
    return [(urn, TagProperties(name=urn.removeprefix("urn:li:tag:")))]


# -- merging into what an entity holds --------------------------------------------

# The fields of each aspect that MLflow's state decides; the rest of an aspect (and
# aspects not listed) are whole. Fields outside these are someone else's and are kept.
OWNED: dict[str, frozenset[str]] = {
    "containerProperties": frozenset(
        {"name", "description", "customProperties", "externalUrl", "created"}
    ),
    "dataProcessInstanceProperties": frozenset(
        {"name", "created", "customProperties", "externalUrl"}
    ),
    "mlTrainingRunProperties": frozenset({"id", "outputUrls", "hyperParams", "trainingMetrics"}),
    "mlModelGroupProperties": frozenset(
        {
            "name",
            "description",
            "customProperties",
            "externalUrl",
            "created",
            "lastModified",
            "version",
        }
    ),
    "mlModelProperties": frozenset(
        {
            "name",
            "description",
            "customProperties",
            "tags",
            "externalUrl",
            "created",
            "lastModified",
            "version",
            "type",
            "groups",
            "trainingJobs",
            "hyperParams",
            "trainingMetrics",
        }
    ),
    "versionProperties": frozenset({"versionSet", "version", "sortId", "aliases"}),
    "versionSetProperties": frozenset({"latest"}),
    "tagProperties": frozenset({"name"}),
    "datasetProperties": frozenset({"name", "customProperties", "uri"}),
    "status": frozenset({"removed"}),
}


def merge(aspect: str, current: dict[str, Any] | None, mapped: dict[str, Any]) -> dict[str, Any]:
    """`mapped` (the aspect as MLflow's state has it, JSON) laid over `current`: the
    fields MLflow owns are taken from `mapped` (or dropped), the others kept. Of tags,
    MLflow owns its stage tag; of owners, it adds its user."""
    if not current:
        return mapped
    if aspect == "globalTags":
        mine = [
            t
            for t in current.get("tags", [])
            if not t.get("tag", "").startswith(urns.STAGE_TAG_PREFIX)
        ]
        return {**current, "tags": [*mine, *mapped.get("tags", [])]}
    if aspect == "ownership":
        have = {o.get("owner") for o in current.get("owners", [])}
        extra = [o for o in mapped.get("owners", []) if o.get("owner") not in have]
        return {**current, "owners": [*current.get("owners", []), *extra]}
    owned = OWNED.get(aspect)
    if owned is None:
        return mapped
    kept = {k: v for k, v in current.items() if k not in owned}
    return {**kept, **mapped}
