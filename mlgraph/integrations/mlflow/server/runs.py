"""MLflow runs: the run's state in `mlflowRun` (MLflow's Run, its info fields at the
top level for runs/search's SQL, plus the experiment's URN and the model versions
registered from it), mapped to an ML Training Run dataProcessInstance, its datasets and
their lineage (`mapping.run`). Every logged point goes to the metric history through
`append_metrics`."""

from __future__ import annotations

import math
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow import mapping
from mlgraph.integrations.mlflow.datasets import DATASET_VERSION
from mlgraph.integrations.mlflow.objects import DatasetInput, LoggedModel, Metric, ModelVersion, Run
from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.experiments import STATE as EXPERIMENT_STATE
from mlgraph.integrations.mlflow.server.experiments import load as load_experiment
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.urns import logged_model_urn, run_urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)
ASPECTS = ("mlflowRun", *sorted(mapping.RUN_ASPECTS))
STATE = ("mlflowRun",)
# What each kind of change can alter of what a run maps to: only those aspects are
# mapped, read and merged (a new run maps to all of them).
STATUS = frozenset({"dataProcessInstanceRunEvent", "dataProcessInstanceProperties"})
PARAMS_AND_METRICS = frozenset({"mlTrainingRunProperties"})
TAGS = frozenset({"dataProcessInstanceProperties"})
INPUTS = frozenset({"dataProcessInstanceInput"})
OUTPUTS = frozenset({"dataProcessInstanceOutput"})
LIFECYCLE = frozenset({"status"})


def reading(touched: frozenset[str]) -> tuple[str, ...]:
    """What to load of a run to make a change that touches `touched`."""
    return ("mlflowRun", *sorted(touched))


VERSION_ASPECTS = (
    "mlModelProperties",
    "versionProperties",
    "globalTags",
    "dataPlatformInstance",
    "status",
    "ownership",
    "mlflowModelVersion",
)
_STATUSES = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}


@dataclass
class LoadedRun:
    urn: str
    run: Run
    experiment_urn: str
    registered: list[str]  # URNs of the model versions registered from it
    aspects: cat.Aspects

    def raw(self) -> dict[str, Any]:
        return {
            **self.run.to_raw(),
            "experiment_urn": self.experiment_urn,
            "registered": self.registered,
        }


def load_run(call: Call, run_id: str, names: tuple[str, ...] = ASPECTS) -> LoadedRun:
    """A run with `names` loaded: all it maps to, to change it; its state alone
    (`STATE`) to answer about it."""
    if not run_id:
        raise invalid("Missing value for required parameter 'run_id'.")
    urn = run_urn(run_id)
    aspects = cat.read(call.services, urn, names)
    raw = cat.value(aspects, "mlflowRun")
    if not aspects or not raw:
        raise missing(f"Run with id={run_id} not found")
    return LoadedRun(
        urn,
        Run.from_raw(raw),
        str(raw["experiment_urn"]),
        list(raw.get("registered") or []),
        aspects,
    )


def changes(
    services: Services,
    loaded: LoadedRun,
    touched: frozenset[str] = mapping.RUN_ASPECTS,
    *,
    datasets: bool = False,
    versions: bool = False,
) -> list[cat.Change]:
    """The run's raw state and, of the catalog mapped from it, the `touched` aspects
    (`loaded` holds them); the datasets it read when they may have changed, and the
    versions registered from it when its params or metrics (which they copy) may have."""
    mapped = mapping.run(
        loaded.run, loaded.experiment_urn, versions=loaded.registered, only=touched
    )
    scope = mapped.all() if datasets else mapped.aspects
    out = [
        cat.raw(loaded.urn, loaded.aspects, "mlflowRun", loaded.raw()),
        *cat.sync(services, scope, {loaded.urn: loaded.aspects}),
    ]
    if versions and loaded.registered:
        out += _version_changes(services, loaded)
    return out


def _version_changes(services: Services, loaded: LoadedRun) -> list[cat.Change]:
    found = cat.read_many(services, loaded.registered, VERSION_ASPECTS)
    mapped: mapping.Mapped = []
    for urn in loaded.registered:
        raw = cat.value(found.get(urn), "mlflowModelVersion")
        if not raw or cat.value(found.get(urn), "status").get("removed"):
            continue
        mv = ModelVersion.from_json(raw)
        logged = load_logged(services, mv.logged_model_id)
        mapped.append(mapping.version_properties(mv, loaded.run, logged))
    return cat.sync(services, mapped, found)


def run_of(services: Services, run_id: str) -> Run | None:
    """A run's MLflow state, or None (a version may name a run that is gone)."""
    if not run_id:
        return None
    raw = cat.value(cat.read(services, run_urn(run_id), ["mlflowRun"]), "mlflowRun")
    return Run.from_raw(raw) if raw else None


def load_logged(services: Services, model_id: str | None) -> LoggedModel | None:
    if not model_id:
        return None
    raw = cat.value(
        cat.read(services, logged_model_urn(model_id), ["mlflowLoggedModel"]), "mlflowLoggedModel"
    )
    return LoggedModel.from_raw(raw) if raw else None


def _active(loaded: LoadedRun, run_id: str) -> None:
    if loaded.run.deleted:
        raise invalid(f"The run {run_id} must be in the 'active' state. Current state is deleted.")


def _run_id(call: Call) -> str:
    return call.text("run_id", "run_uuid")


def create_run(call: Call) -> dict[str, Any]:
    exp_id = call.opt("experiment_id") or cat.DEFAULT_EXPERIMENT
    exp_urn, exp, _ = load_experiment(call, exp_id, EXPERIMENT_STATE)
    if exp.deleted:
        raise invalid(
            f"The experiment {exp_id} must be in the 'active' state. Current state is deleted."
        )
    run_id = uuid.uuid4().hex
    tags = call.tags()
    name = call.opt("run_name") or tags.get("mlflow.runName") or f"run-{run_id[:8]}"
    tags["mlflow.runName"] = name
    run = Run(
        run_id=run_id,
        experiment_id=exp_id,
        run_name=name,
        user_id=call.signed_in_user or call.opt("user_id") or tags.get("mlflow.user") or "",
        status="RUNNING",
        start_time=call.integer("start_time") or cat.now_ms(),
        artifact_uri=f"{exp.artifact_location.rstrip('/')}/{run_id}/artifacts",
        tags=tags,
    )
    loaded = LoadedRun(run_urn(run_id), run, exp_urn, [], {})
    cat.write(call.services, call.ctx, changes(call.services, loaded, datasets=True))
    return {"run": run.to_json()}


def get_run(call: Call) -> dict[str, Any]:
    return {"run": load_run(call, _run_id(call), STATE).run.to_json()}


def update_run(call: Call) -> dict[str, Any]:
    run_id = _run_id(call)
    status = call.opt("status")
    if status is not None and status not in _STATUSES:
        raise invalid(f"Invalid value {status!r} for parameter 'status'")
    end_time, name = call.integer("end_time"), call.opt("run_name")
    done: list[Run] = []

    def build() -> list[cat.Change]:
        loaded = load_run(call, run_id, reading(STATUS))
        _active(loaded, run_id)
        run = loaded.run
        if status:
            run.status = status
        if end_time is not None:
            run.end_time = end_time
        if name:
            run.run_name = name
            run.tags["mlflow.runName"] = name
        done[:] = [run]
        return changes(call.services, loaded, STATUS)

    cat.mutate(call.services, call.ctx, build)
    return {"run_info": done[0].info_json()}


def _lifecycle(call: Call, stage: str) -> dict[str, Any]:
    run_id = _run_id(call)

    def build() -> list[cat.Change]:
        loaded = load_run(call, run_id, reading(LIFECYCLE))
        if loaded.run.lifecycle_stage == stage:
            return []
        loaded.run.lifecycle_stage = stage
        return changes(call.services, loaded, LIFECYCLE)

    cat.mutate(call.services, call.ctx, build)
    return {}


def delete_run(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "deleted")


def restore_run(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "active")


def _point(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
        raise invalid("Invalid metric: expected {key, value, timestamp, step}")
    try:
        raw = item["value"]
        val = float("nan") if isinstance(raw, str) and raw.lower() == "nan" else float(raw)
        ts = int(item["timestamp"]) if item.get("timestamp") is not None else cat.now_ms()
        step = int(item.get("step") or 0)
    except (KeyError, TypeError, ValueError):
        raise invalid(
            f"Invalid value for metric '{item['key']}': value, timestamp and step must be numbers"
        ) from None
    # As MLflow stores them: the infinities as the largest finite floats, NaN as NaN.
    if math.isinf(val):
        val = math.copysign(sys.float_info.max, val)
    return {"key": item["key"], "value": val, "timestamp": ts, "step": step}


def log(
    call: Call,
    run_id: str,
    metrics: list[dict[str, Any]] = (),  # type: ignore[assignment]
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    delete_tag: str | None = None,
) -> None:
    """Params, metrics and tags in one atomic batch (log-batch and its singular forms)."""
    points = [_point(m) for m in metrics]
    keys = {*(params or {}), *(tags or {}), *([delete_tag] if delete_tag else [])}
    touched = (PARAMS_AND_METRICS if params or points else frozenset()) | (
        TAGS if tags or delete_tag else frozenset()
    )
    if DATASET_VERSION in keys:
        touched |= INPUTS

    def build() -> list[cat.Change]:
        loaded = load_run(call, run_id, reading(touched))
        _active(loaded, run_id)
        run = loaded.run
        for k, v in (params or {}).items():
            if k in run.params and run.params[k] != v:
                raise invalid(
                    f"Changing param values is not allowed. Param with key='{k}' was already "
                    f"logged with value='{run.params[k]}' for run ID='{run_id}'. Attempted logging "
                    f"new value '{v}'."
                )
            run.params[k] = v
        for p in points:
            new = Metric(p["value"], p["timestamp"], p["step"])
            old = run.metrics.get(p["key"])
            if old is None or new.rank() >= old.rank():
                run.metrics[p["key"]] = new
        if delete_tag is not None:
            if delete_tag not in run.tags:
                raise missing(f"No tag with name: {delete_tag} in run with id {run_id}")
            del run.tags[delete_tag]
        run.tags.update(tags or {})
        if (tags or {}).get("mlflow.runName"):
            run.run_name = run.tags["mlflow.runName"]
        out = changes(
            call.services,
            loaded,
            touched,
            datasets=DATASET_VERSION in keys,
            versions=bool(params or points),
        )
        if points:
            out.append(Proposal(Op.APPEND_METRICS, loaded.urn, value={"points": points}))
        return out

    cat.mutate(call.services, call.ctx, build)


def log_metric(call: Call) -> dict[str, Any]:
    call.text("key")
    log(call, _run_id(call), metrics=[call.msg])
    return {}


def log_parameter(call: Call) -> dict[str, Any]:
    log(call, _run_id(call), params={call.text("key"): call.opt("value") or ""})
    return {}


def set_tag(call: Call) -> dict[str, Any]:
    log(call, _run_id(call), tags={call.text("key"): call.opt("value") or ""})
    return {}


def delete_tag(call: Call) -> dict[str, Any]:
    log(call, _run_id(call), delete_tag=call.text("key"))
    return {}


def log_batch(call: Call) -> dict[str, Any]:
    metrics, params, tags = call.items("metrics"), call.tags("params"), call.tags("tags")
    if len(metrics) > 1000 or len(params) + len(tags) > 1000 or len(params) > 100:
        raise invalid(
            "A batch logging request can contain at most 1000 metrics, 100 params and 1000 tags"
        )
    log(call, _run_id(call), metrics=metrics, params=params, tags=tags)
    return {}


def log_inputs(call: Call) -> dict[str, Any]:
    """Datasets the run read: dataset entities, and the run's inputs (`mapping.run`)."""
    run_id = _run_id(call)
    entries = []
    for entry in call.items("datasets"):
        ds = entry.get("dataset") if isinstance(entry, dict) else None
        if not isinstance(ds, dict) or not ds.get("name"):
            raise invalid("Invalid dataset input: expected {tags, dataset: {name, digest, ...}}")
        entries.append(DatasetInput.from_json(entry))

    def build() -> list[cat.Change]:
        loaded = load_run(call, run_id, reading(INPUTS))
        _active(loaded, run_id)
        have = {i.key for i in loaded.run.inputs}
        for item in entries:
            if item.key not in have:
                loaded.run.inputs.append(item)
                have.add(item.key)
        return changes(call.services, loaded, INPUTS, datasets=True)

    cat.mutate(call.services, call.ctx, build)
    return {}


def register(services: Services, loaded: LoadedRun, version_urn: str) -> list[cat.Change]:
    """The run's changes once a model version is registered from it (its outputs)."""
    if version_urn not in loaded.registered:
        loaded.registered.append(version_urn)
    return changes(services, loaded, OUTPUTS)


def unregister(services: Services, run_id: str, version_urn: str) -> list[cat.Change]:
    urn = run_urn(run_id)
    aspects = cat.read(services, urn, ASPECTS)
    raw = cat.value(aspects, "mlflowRun")
    if not aspects or not raw or version_urn not in (raw.get("registered") or []):
        return []
    registered = [u for u in raw["registered"] if u != version_urn]
    loaded = LoadedRun(urn, Run.from_raw(raw), str(raw["experiment_urn"]), registered, aspects)
    return changes(services, loaded, OUTPUTS)


def log_outputs(call: Call) -> dict[str, Any]:
    run_id = _run_id(call)
    models = [
        {"model_id": str(m["model_id"]), "step": int(m.get("step") or 0)}
        for m in call.items("models")
        if isinstance(m, dict) and m.get("model_id")
    ]

    def build() -> list[cat.Change]:
        loaded = load_run(call, run_id, reading(OUTPUTS))
        have = {o["model_id"] for o in loaded.run.model_outputs}
        loaded.run.model_outputs += [m for m in models if m["model_id"] not in have]
        return changes(call.services, loaded, OUTPUTS)

    cat.mutate(call.services, call.ctx, build)
    return {}


def get_metric_history(call: Call) -> dict[str, Any]:
    loaded = load_run(call, _run_id(call), STATE)
    size = call.integer("max_results", 25_000) or 25_000
    points, nxt = call.services.entities.metric_history(
        loaded.urn, call.text("metric_key"), cursor=call.opt("page_token"), limit=min(size, 25_000)
    )
    out: dict[str, Any] = {"metrics": points}
    if nxt:
        out["next_page_token"] = nxt
    return out


route(router, "POST", "/runs/create", create_run)
route(router, "GET", "/runs/get", get_run)
route(router, "POST", "/runs/update", update_run)
route(router, "POST", "/runs/delete", delete_run)
route(router, "POST", "/runs/restore", restore_run)
route(router, "POST", "/runs/log-metric", log_metric)
route(router, "POST", "/runs/log-parameter", log_parameter)
route(router, "POST", "/runs/set-tag", set_tag)
route(router, "POST", "/runs/delete-tag", delete_tag)
route(router, "POST", "/runs/log-batch", log_batch)
route(router, "POST", "/runs/log-inputs", log_inputs)
route(router, "POST", "/runs/outputs", log_outputs)
route(router, "GET", "/metrics/get-history", get_metric_history)
