"""MLflow runs as catalog dataProcessInstances (DataHub's mapping): name, start and
tags in dataProcessInstanceProperties; params and latest metrics in
mlTrainingRunProperties; every logged point through `append_metrics`; the experiment
as `container`; status as dataProcessInstanceRunEvent; dataset inputs as dataset
entities and dataProcessInstanceInput. MLflow-only state in the raw `mlflowRun`."""

from __future__ import annotations

import math
import sys
import uuid
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.experiments import load as load_experiment
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.translate import (
    experiment_json,
    metric_text,
    run_info,
    run_json,
    run_params,
)
from mlgraph.integrations.mlflow.urns import PLATFORM_URN, RUN_SUBTYPE, dataset_urn, run_urn
from mlgraph.model.urn import user_urn
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)
ASPECTS = (
    "dataProcessInstanceProperties",
    "mlTrainingRunProperties",
    "mlflowRun",
    "dataProcessInstanceInput",
    "dataProcessInstanceOutput",
    "status",
)
_TERMINAL = {"FINISHED": "SUCCESS", "FAILED": "FAILURE", "KILLED": "SKIPPED"}
_STATUSES = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}


def load_run(call: Call, run_id: str) -> tuple[str, cat.Aspects]:
    if not run_id:
        raise invalid("Missing value for required parameter 'run_id'.")
    urn = run_urn(run_id)
    aspects = cat.read(call.services, urn, ASPECTS)
    if not aspects or "mlflowRun" not in aspects:
        raise missing(f"Run with id={run_id} not found")
    return urn, aspects


def _active(aspects: cat.Aspects, run_id: str) -> None:
    if cat.value(aspects, "mlflowRun").get("lifecycle_stage") == "deleted":
        raise invalid(f"The run {run_id} must be in the 'active' state. Current state is deleted.")


def _run_id(call: Call) -> str:
    return call.text("run_id", "run_uuid")


def create_run(call: Call) -> dict[str, Any]:
    exp_id = call.opt("experiment_id") or cat.DEFAULT_EXPERIMENT
    exp_urn, exp_aspects = load_experiment(call, exp_id)
    exp = experiment_json(exp_aspects)
    if exp["lifecycle_stage"] != "active":
        raise invalid(
            f"The experiment {exp_id} must be in the 'active' state. Current state is deleted."
        )
    run_id = uuid.uuid4().hex
    tags = call.tags()
    name = call.opt("run_name") or tags.get("mlflow.runName") or f"run-{run_id[:8]}"
    tags["mlflow.runName"] = name
    user = call.opt("user_id") or tags.get("mlflow.user") or ""
    start = call.integer("start_time") or cat.now_ms()
    artifact_uri = f"{exp['artifact_location'].rstrip('/')}/{run_id}/artifacts"
    urn = run_urn(run_id)
    actor = user_urn(user) if user else call.ctx.actor
    raw = {
        "run_id": run_id,
        "experiment_id": exp_id,
        "user_id": user,
        "status": "RUNNING",
        "start_time": start,
        "artifact_uri": artifact_uri,
        "lifecycle_stage": "active",
        "metrics": {},
        "inputs": [],
        "outputs": [],
    }
    proposals = [
        cat.upsert(
            urn,
            "dataProcessInstanceProperties",
            {
                "name": name,
                "created": {"time": start, "actor": actor},
                "customProperties": tags,
            },
        ),
        cat.upsert(
            urn,
            "mlTrainingRunProperties",
            {
                "id": run_id,
                "outputUrls": [artifact_uri],
                "hyperParams": [],
                "trainingMetrics": [],
            },
        ),
        cat.upsert(urn, "subTypes", {"typeNames": [RUN_SUBTYPE]}),
        cat.upsert(urn, "container", {"container": exp_urn}),
        cat.upsert(urn, "dataPlatformInstance", {"platform": PLATFORM_URN}),
        cat.upsert(
            urn, "dataProcessInstanceRunEvent", {"timestampMillis": start, "status": "STARTED"}
        ),
        cat.upsert(urn, "mlflowRun", raw),
    ]
    cat.write(call.services, call.ctx, proposals)
    return {"run": run_json(cat.written(None, urn, proposals))}


def get_run(call: Call) -> dict[str, Any]:
    _, aspects = load_run(call, _run_id(call))
    return {"run": run_json(aspects)}


def _pinned(urn: str, aspects: cat.Aspects, name: str, val: dict[str, Any]) -> Proposal:
    return cat.upsert(urn, name, val, cat.version(aspects, name))


def update_run(call: Call) -> dict[str, Any]:
    run_id = _run_id(call)
    status = call.opt("status")
    if status is not None and status not in _STATUSES:
        raise invalid(f"Invalid value {status!r} for parameter 'status'")
    end_time, name = call.integer("end_time"), call.opt("run_name")
    read: dict[str, cat.Aspects] = {}

    def build() -> list[Proposal]:
        urn, aspects = load_run(call, run_id)
        read[urn] = aspects
        _active(aspects, run_id)
        raw = cat.value(aspects, "mlflowRun")
        out = []
        if status:
            raw["status"] = status
        if end_time is not None:
            raw["end_time"] = end_time
        if status in _TERMINAL:
            end = raw.get("end_time") or cat.now_ms()
            event = {
                "timestampMillis": end,
                "status": "COMPLETE",
                "result": {"type": _TERMINAL[str(status)], "nativeResultType": "mlflow"},
                "durationMillis": max(0, end - raw["start_time"]),
            }
            out.append(cat.upsert(urn, "dataProcessInstanceRunEvent", event))
        if name:
            props = cat.value(aspects, "dataProcessInstanceProperties")
            tags = {**props.get("customProperties", {}), "mlflow.runName": name}
            out.append(
                _pinned(
                    urn,
                    aspects,
                    "dataProcessInstanceProperties",
                    {**props, "name": name, "customProperties": tags},
                )
            )
        out.append(_pinned(urn, aspects, "mlflowRun", raw))
        return out

    written = cat.mutate(call.services, call.ctx, build)
    ((urn, aspects),) = read.items()
    return {"run_info": run_info(cat.written(aspects, urn, written))}


def _lifecycle(call: Call, stage: str) -> dict[str, Any]:
    run_id = _run_id(call)

    def build() -> list[Proposal]:
        urn, aspects = load_run(call, run_id)
        raw = cat.value(aspects, "mlflowRun")
        if raw.get("lifecycle_stage") == stage:
            return []
        raw["lifecycle_stage"] = stage
        op = Op.DELETE_ENTITY if stage == "deleted" else Op.RESTORE_ENTITY
        return [_pinned(urn, aspects, "mlflowRun", raw), Proposal(op, urn)]

    cat.mutate(call.services, call.ctx, build)
    return {}


def delete_run(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "deleted")


def restore_run(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "active")


def _metric(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
        raise invalid("Invalid metric: expected {key, value, timestamp, step}")
    try:
        val = float(item["value"])
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


def _latest_value(value: float) -> float | str:
    """A latest value as the run's JSON keeps it: JSON has no NaN, MLflow says "NaN"."""
    return "NaN" if math.isnan(value) else value


def _rank(m: dict[str, Any]) -> tuple[int, int, float]:
    """MLflow's order for replacing a latest value: step, then time, then value (a NaN
    counts as the 0 its tables store)."""
    value = m["value"]
    number = 0.0 if value == "NaN" or value != value else float(value)
    return (m["step"], m["timestamp"], number)


def log(
    call: Call,
    run_id: str,
    metrics: list[dict[str, Any]] = (),  # type: ignore[assignment]
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    delete_tag: str | None = None,
) -> None:
    """Params, metrics and tags in one atomic batch (log-batch and its singular forms)."""
    points = [_metric(m) for m in metrics]

    def build() -> list[Proposal]:
        urn, aspects = load_run(call, run_id)
        _active(aspects, run_id)
        out: list[Proposal] = []
        raw = cat.value(aspects, "mlflowRun")
        train = cat.value(aspects, "mlTrainingRunProperties")
        if params or points:
            current = run_params(aspects)
            for k, v in (params or {}).items():
                if k in current and current[k] != v:
                    raise invalid(
                        f"Changing param values is not allowed. Param with key='{k}' was already "
                        f"logged with value='{current[k]}' for run ID='{run_id}'. Attempted logging "
                        f"new value '{v}'."
                    )
                current[k] = v
            latest = dict(raw.get("metrics", {}))
            for p in points:
                old = latest.get(p["key"])
                if old is None or _rank(p) >= _rank(old):
                    latest[p["key"]] = {
                        "value": _latest_value(p["value"]),
                        "timestamp": p["timestamp"],
                        "step": p["step"],
                    }
            train["hyperParams"] = [{"name": k, "value": v} for k, v in current.items()]
            train["trainingMetrics"] = [
                {"name": k, "value": metric_text(m["value"])} for k, m in latest.items()
            ]
            out.append(_pinned(urn, aspects, "mlTrainingRunProperties", train))
            if points:
                raw["metrics"] = latest
                out.append(_pinned(urn, aspects, "mlflowRun", raw))
                out.append(Proposal(Op.APPEND_METRICS, urn, value={"points": points}))
        if tags or delete_tag:
            props = cat.value(aspects, "dataProcessInstanceProperties")
            custom = dict(props.get("customProperties", {}))
            if delete_tag is not None:
                if delete_tag not in custom:
                    raise missing(f"No tag with name: {delete_tag} in run with id {run_id}")
                del custom[delete_tag]
            custom.update(tags or {})
            if (tags or {}).get("mlflow.runName"):
                props["name"] = custom["mlflow.runName"]
            props["customProperties"] = custom
            out.append(_pinned(urn, aspects, "dataProcessInstanceProperties", props))
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
    """Datasets become dataset entities on platform mlflow; the run consumes them."""
    run_id = _run_id(call)
    entries = call.items("datasets")

    def build() -> list[Proposal]:
        urn, aspects = load_run(call, run_id)
        _active(aspects, run_id)
        raw = cat.value(aspects, "mlflowRun")
        inputs = list(raw.get("inputs", []))
        io = cat.value(aspects, "dataProcessInstanceInput")
        urns = list(io.get("inputs", []))
        out: list[Proposal] = []
        for entry in entries:
            ds = entry.get("dataset") if isinstance(entry, dict) else None
            if not isinstance(ds, dict) or not ds.get("name"):
                raise invalid(
                    "Invalid dataset input: expected {tags, dataset: {name, digest, ...}}"
                )
            d_urn = dataset_urn(str(ds["name"]), str(ds.get("digest", "")))
            custom = {k: str(ds[k]) for k in ("digest", "source_type", "source") if ds.get(k)}
            out.append(
                cat.upsert(
                    d_urn, "datasetProperties", {"name": ds["name"], "customProperties": custom}
                )
            )
            out.append(cat.upsert(d_urn, "dataPlatformInstance", {"platform": PLATFORM_URN}))
            if d_urn not in urns:
                urns.append(d_urn)
            key = (ds.get("name"), ds.get("digest"))
            if all((i["dataset"].get("name"), i["dataset"].get("digest")) != key for i in inputs):
                inputs.append({"tags": entry.get("tags", []), "dataset": ds})
        raw["inputs"] = inputs
        io = {"inputs": urns, "inputEdges": [{"destinationUrn": u} for u in urns]}
        out.append(_pinned(urn, aspects, "dataProcessInstanceInput", io))
        out.append(_pinned(urn, aspects, "mlflowRun", raw))
        return out

    cat.mutate(call.services, call.ctx, build)
    return {}


def add_outputs(
    call: Call,
    run_id: str,
    outputs: list[dict[str, Any]],
    urns: list[str],
    loaded: tuple[str, cat.Aspects] | None = None,
) -> list[Proposal]:
    """Proposals adding model outputs (MLflow shape) and output URNs to a run (as
    `loaded`, when the caller has just read it)."""
    urn, aspects = loaded or load_run(call, run_id)
    raw = cat.value(aspects, "mlflowRun")
    raw["outputs"] = [
        *raw.get("outputs", []),
        *(o for o in outputs if o not in raw.get("outputs", [])),
    ]
    io = cat.value(aspects, "dataProcessInstanceOutput")
    have = list(io.get("outputs", []))
    have += [u for u in urns if u not in have]
    out = {"outputs": have, "outputEdges": [{"destinationUrn": u} for u in have]}
    return [
        _pinned(urn, aspects, "mlflowRun", raw),
        _pinned(urn, aspects, "dataProcessInstanceOutput", out),
    ]


def log_outputs(call: Call) -> dict[str, Any]:
    from mlgraph.integrations.mlflow.urns import logged_model_urn

    run_id = _run_id(call)
    models = [
        {"model_id": str(m["model_id"]), "step": int(m.get("step") or 0)}
        for m in call.items("models")
        if isinstance(m, dict) and m.get("model_id")
    ]
    cat.mutate(
        call.services,
        call.ctx,
        lambda: add_outputs(
            call, run_id, models, [logged_model_urn(str(m["model_id"])) for m in models]
        ),
    )
    return {}


def get_metric_history(call: Call) -> dict[str, Any]:
    urn, _ = load_run(call, _run_id(call))
    size = call.integer("max_results", 25_000) or 25_000
    points, nxt = call.services.entities.metric_history(
        urn, call.text("metric_key"), cursor=call.opt("page_token"), limit=min(size, 25_000)
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
