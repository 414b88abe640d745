"""MLflow objects (REST JSON) -> mlgraph proposals, on the URNs of
`mlgraph.integrations.mlflow.urns` (DataHub's MLflow source), so this connector and the
MLflow-compatible API land on the same entities.

Every value is built only from what MLflow stores — no clock reads — so the same MLflow
state always yields the same aspects and the server reports them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlgraph.integrations.mlflow import urns
from mlgraph.integrations.mlflow.datasets import (
    DATASET_VERSION_TAG,
    DatasetRecord,
    dataset_input,
    tagged_dataset,
)
from mlgraph.integrations.mlflow.proposal import Proposal, kv, upsert, user_urn
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
from mlgraph.model.aspects.mlmodel import MLModelGroupProperties, MLModelProperties
from mlgraph.model.aspects.mlmodel import VersionProperties as VersionPropertiesAspect
from mlgraph.model.aspects.process import (
    ContainerProperties,
    DataProcessInstanceInput,
    DataProcessInstanceOutput,
    DataProcessInstanceProperties,
    DataProcessInstanceRunEvent,
    MLTrainingRunProperties,
)
from mlgraph.model.fields import AuditStamp, TimeStamp

RESULTS = {"FINISHED": "SUCCESS", "FAILED": "FAILURE", "KILLED": "FAILURE"}


def common(urn: str, subtype: str | None, removed: bool) -> list[Proposal]:
    out = [upsert(urn, DataPlatformInstance(platform=urns.PLATFORM_URN))]
    if subtype:
        out.append(upsert(urn, SubTypes(typeNames=[subtype])))
    out.append(upsert(urn, Status(removed=removed)))
    return out


# -- experiments ----------------------------------------------------------------


def experiment(exp: dict[str, Any], ui_url: str) -> list[Proposal]:
    urn = urns.experiment_urn(exp["name"])
    tags = kv(exp.get("tags"))
    props = dict(tags)
    if exp.get("artifact_location"):
        props["artifacts_location"] = exp["artifact_location"]
    props["experiment_id"] = str(exp["experiment_id"])
    created = exp.get("creation_time")
    aspect = ContainerProperties(
        name=exp["name"],
        description=tags.get("mlflow.note.content") or None,
        customProperties=props,
        externalUrl=f"{ui_url}/#/experiments/{exp['experiment_id']}",
        created=TimeStamp(time=created) if created else None,
    )
    removed = exp.get("lifecycle_stage") == "deleted"
    return [upsert(urn, aspect), *common(urn, urns.EXPERIMENT_SUBTYPE, removed)]


# -- runs -----------------------------------------------------------------------


@dataclass
class RunMapping:
    run_id: str
    urn: str
    proposals: list[Proposal]
    metrics: dict[str, tuple[str, int | None]]  # key -> (value text, timestamp)
    datasets: list[DatasetRecord] = field(default_factory=list)


def hyper_params(run: dict[str, Any]) -> list[dict[str, str]]:
    params = kv((run.get("data") or {}).get("params"))
    return [{"name": k, "value": v} for k, v in sorted(params.items())]


def training_metrics(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Latest value of each metric, as text (the search index parses numbers back)."""
    out = []
    for m in sorted((run.get("data") or {}).get("metrics") or [], key=lambda m: m["key"]):
        item = {"name": m["key"], "value": str(m.get("value"))}
        if m.get("timestamp") is not None:
            item["createdAt"] = int(m["timestamp"])
        out.append(item)
    return out


def run(
    run: dict[str, Any],
    experiment_name: str,
    ui_url: str,
    outputs: list[str],
    output_urls: list[str],
) -> RunMapping:
    """A run's aspects. `outputs`: URNs of the model versions registered from it;
    `output_urls`: artifact locations of the logged models it produced (MLflow 3)."""
    info = run["info"]
    run_id = info.get("run_id") or info["run_uuid"]
    urn = urns.run_urn(run_id)
    tags = kv((run.get("data") or {}).get("tags"))
    start = info.get("start_time")
    exp_id = info.get("experiment_id")
    out = [
        upsert(
            urn,
            DataProcessInstanceProperties(
                name=info.get("run_name") or tags.get("mlflow.runName") or run_id,
                created=AuditStamp(time=int(start or 0), actor=user_urn(info.get("user_id"))),
                customProperties=tags,
                externalUrl=f"{ui_url}/#/experiments/{exp_id}/runs/{run_id}",
            ),
        ),
    ]
    metrics = training_metrics(run)
    urls = [info["artifact_uri"]] if info.get("artifact_uri") else []
    out.append(
        upsert(
            urn,
            MLTrainingRunProperties.model_validate(
                {
                    "id": run_id,
                    "hyperParams": hyper_params(run),
                    "trainingMetrics": metrics,
                    "outputUrls": urls + sorted(set(output_urls) - set(urls)),
                }
            ),
        )
    )
    out.append(upsert(urn, Container(container=urns.experiment_urn(experiment_name))))
    event = run_event(info)
    if event is not None:
        out.append(upsert(urn, event))
    datasets = [dataset_input(i) for i in (run.get("inputs") or {}).get("dataset_inputs") or []]
    if tags.get(DATASET_VERSION_TAG):
        datasets.append(tagged_dataset(tags[DATASET_VERSION_TAG]))
    for d in datasets:
        d.rank = (int(start or 0), run_id)
    if datasets:
        edges = {d.urn: d.edge for d in datasets}  # one edge per dataset, last record wins
        out.append(
            upsert(
                urn,
                DataProcessInstanceInput.model_validate(
                    {
                        "inputs": sorted(edges),
                        "inputEdges": [
                            {"destinationUrn": u, "properties": edges[u]} for u in sorted(edges)
                        ],
                    }
                ),
            )
        )
    if outputs:
        out.append(
            upsert(
                urn,
                DataProcessInstanceOutput.model_validate(
                    {
                        "outputs": sorted(outputs),
                        "outputEdges": [{"destinationUrn": u} for u in sorted(outputs)],
                    }
                ),
            )
        )
    out.extend(common(urn, urns.RUN_SUBTYPE, info.get("lifecycle_stage") == "deleted"))
    latest = {m["name"]: (m["value"], m.get("createdAt")) for m in metrics}
    return RunMapping(run_id, urn, out, latest, datasets)


def run_event(info: dict[str, Any]) -> DataProcessInstanceRunEvent | None:
    """COMPLETE with its result once a run has ended, STARTED while it runs."""
    status = str(info.get("status") or "")
    start, end = info.get("start_time"), info.get("end_time")
    if end:
        return DataProcessInstanceRunEvent.model_validate(
            {
                "timestampMillis": int(end),
                "status": "COMPLETE",
                "result": {"type": RESULTS.get(status, "SKIPPED"), "nativeResultType": status},
                "durationMillis": int(end) - int(start) if start else None,
            }
        )
    if start:
        return DataProcessInstanceRunEvent.model_validate(
            {"timestampMillis": int(start), "status": "STARTED"}
        )
    return None


def metric_points(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """get-history points as `append_metrics` points. MLflow answers a NaN point as
    "NaN", and so does mlgraph's API (JSON has no NaN): it is passed on as it came."""
    out = []
    for m in history:
        value: Any = m.get("value")
        if value != "NaN":
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
        out.append(
            {
                "key": m["key"],
                "value": value,
                "timestamp": int(m.get("timestamp") or 0),
                "step": int(m.get("step") or 0),
            }
        )
    return out


# -- registry -------------------------------------------------------------------


def model_group(model: dict[str, Any], latest: str | None, ui_url: str) -> list[Proposal]:
    urn = urns.model_group_urn(model["name"])
    created, updated = model.get("creation_timestamp"), model.get("last_updated_timestamp")
    props = MLModelGroupProperties.model_validate(
        {
            "name": model["name"],
            "description": model.get("description") or None,
            "customProperties": kv(model.get("tags")),
            "externalUrl": f"{ui_url}/#/models/{model['name']}",
            "created": {"time": created} if created else None,
            "lastModified": {"time": updated} if updated else None,
            "version": {"versionTag": latest} if latest else None,
        }
    )
    out = [upsert(urn, props), *common(urn, None, False)]
    if model.get("user_id"):
        out.append(upsert(urn, _owners(model["user_id"])))
    return out


def _owners(user_id: str) -> Ownership:
    return Ownership.model_validate({"owners": [{"owner": user_urn(user_id)}]})


def model_version(
    mv: dict[str, Any],
    aliases: list[str],
    run: dict[str, Any] | None,
    logged: dict[str, Any] | None,
    ui_url: str,
) -> list[Proposal]:
    """One registered version. `run` is the run it came from (params and metrics are
    copied from it); `logged` is its MLflow 3 logged model, if any."""
    name, version = mv["name"], str(mv["version"])
    urn = urns.model_version_urn(name, version)
    tags = kv(mv.get("tags"))
    run_id = mv.get("run_id") or (logged or {}).get("source_run_id")
    created, updated = mv.get("creation_timestamp"), mv.get("last_updated_timestamp")
    user = mv.get("user_id") or ((run or {}).get("info") or {}).get("user_id")
    props = MLModelProperties.model_validate(
        {
            "name": f"{name}_{version}",
            "description": mv.get("description") or None,
            "customProperties": tags,
            "tags": [f"{k}:{v}" for k, v in sorted(tags.items())],
            "externalUrl": f"{ui_url}/#/models/{name}/versions/{version}",
            "created": {"time": created, "actor": user_urn(user)} if created else None,
            "lastModified": {"time": updated} if updated else None,
            "version": {"versionTag": version},
            "type": (logged or {}).get("model_type") or None,
            "groups": [urns.model_group_urn(name)],
            "trainingJobs": [urns.run_urn(run_id)] if run_id else None,
            "hyperParams": hyper_params(run) if run else None,
            "trainingMetrics": [
                {"name": m["name"], "value": m["value"]} for m in training_metrics(run)
            ]
            if run
            else None,
        }
    )
    version_props = VersionPropertiesAspect.model_validate(
        {
            "versionSet": urns.version_set_urn(name),
            "version": {"versionTag": version},
            "sortId": version.zfill(10),
            "aliases": [{"versionTag": a} for a in sorted(aliases)],
        }
    )
    stage = str(mv.get("current_stage") or "None")
    out = [
        upsert(urn, props),
        upsert(urn, version_props),
        upsert(urn, GlobalTags.model_validate({"tags": [{"tag": urns.stage_tag_urn(stage)}]})),
        *common(urn, None, False),
    ]
    if user:
        out.append(upsert(urn, _owners(user)))
    return out


def version_set(name: str, latest_version: str) -> Proposal:
    latest = urns.model_version_urn(name, latest_version)
    return upsert(urns.version_set_urn(name), VersionSetProperties(latest=latest))


def stage_tag(stage: str) -> Proposal:
    urn = urns.stage_tag_urn(stage)
    return upsert(urn, TagProperties(name=urn.removeprefix("urn:li:tag:")))
