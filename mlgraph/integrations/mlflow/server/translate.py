"""Catalog aspects -> MLflow JSON (experiments, runs, registered models, versions).
The write side (MLflow request -> proposals) lives with each resource's module."""

from __future__ import annotations

from typing import Any

from mlgraph.integrations.mlflow.server.catalog import Aspects, value


def kv(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in d.items()]


def experiment_json(aspects: Aspects) -> dict[str, Any]:
    props = value(aspects, "containerProperties")
    raw = value(aspects, "mlflowExperiment")
    return {
        "experiment_id": raw["experiment_id"],
        "name": props.get("name", ""),
        "artifact_location": raw.get("artifact_location", ""),
        "lifecycle_stage": raw.get("lifecycle_stage", "active"),
        "creation_time": raw.get("creation_time"),
        "last_update_time": raw.get("last_update_time"),
        "tags": kv(props.get("customProperties", {})),
    }


Values = dict[str, dict[str, Any]]  # aspect name -> value, as read (not copied)


def values(aspects: Aspects) -> Values:
    """The values of loaded aspects, for the run views below."""
    return {name: a.value for name, a in aspects.items() if a.value is not None}


def run_info(aspects: Aspects) -> dict[str, Any]:
    return run_info_of(values(aspects))


def run_info_of(v: Values) -> dict[str, Any]:
    raw = v.get("mlflowRun", {})
    info = {
        "run_id": raw["run_id"],
        "run_uuid": raw["run_id"],
        "run_name": v.get("dataProcessInstanceProperties", {}).get("name", ""),
        "experiment_id": raw["experiment_id"],
        "user_id": raw.get("user_id", ""),
        "status": raw.get("status", "RUNNING"),
        "start_time": raw.get("start_time"),
        "end_time": raw.get("end_time"),
        "artifact_uri": raw.get("artifact_uri", ""),
        "lifecycle_stage": raw.get("lifecycle_stage", "active"),
    }
    return {k: x for k, x in info.items() if x is not None}


def run_params(aspects: Aspects) -> dict[str, str]:
    return _params(values(aspects))


def _params(v: Values) -> dict[str, str]:
    params = v.get("mlTrainingRunProperties", {}).get("hyperParams") or []
    return {p["name"]: p.get("value") or "" for p in params}


def run_tags(aspects: Aspects) -> dict[str, str]:
    return dict(value(aspects, "dataProcessInstanceProperties").get("customProperties", {}))


def run_json(aspects: Aspects) -> dict[str, Any]:
    return run_json_of(values(aspects))


def run_json_of(v: Values) -> dict[str, Any]:
    """MLflow's Run JSON from a run's aspect values (`values`, or as read in bulk)."""
    raw = v.get("mlflowRun", {})
    metrics = [
        {"key": k, "value": m["value"], "timestamp": m["timestamp"], "step": m["step"]}
        for k, m in raw.get("metrics", {}).items()
    ]
    tags = v.get("dataProcessInstanceProperties", {}).get("customProperties", {})
    return {
        "info": run_info_of(v),
        "data": {
            "metrics": metrics,
            "params": kv(_params(v)),
            "tags": kv(tags),
        },
        "inputs": {"dataset_inputs": raw.get("inputs", []), "model_inputs": []},
        "outputs": {"model_outputs": raw.get("outputs", [])},
    }


def registered_model_json(
    aspects: Aspects, latest: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    props = value(aspects, "mlModelGroupProperties")
    raw = value(aspects, "mlflowRegisteredModel")
    out: dict[str, Any] = {
        "name": raw.get("name", props.get("name", "")),
        "creation_timestamp": raw.get("creation_timestamp"),
        "last_updated_timestamp": raw.get("last_updated_timestamp"),
        "user_id": raw.get("user_id", ""),
        "tags": kv(props.get("customProperties", {})),
        "aliases": [{"alias": a, "version": v} for a, v in sorted(raw.get("aliases", {}).items())],
    }
    if props.get("description"):
        out["description"] = props["description"]
    if latest:
        out["latest_versions"] = latest
    return out


def model_version_json(aspects: Aspects, with_aliases: bool = True) -> dict[str, Any]:
    props = value(aspects, "mlModelProperties")
    raw = value(aspects, "mlflowModelVersion")
    state = value(aspects, "mlflowRegistryState")
    out: dict[str, Any] = {
        "name": raw["name"],
        "version": raw["version"],
        "creation_timestamp": raw.get("creation_timestamp"),
        "last_updated_timestamp": raw.get("last_updated_timestamp"),
        "user_id": raw.get("user_id", ""),
        "current_stage": state.get("stage", "None"),
        "source": raw.get("source", ""),
        "status": raw.get("status", "READY"),
        "tags": kv(props.get("customProperties", {})),
        "aliases": sorted(state.get("aliases", [])) if with_aliases else [],
    }
    for key in ("run_id", "run_link", "model_id"):
        if raw.get(key):
            out[key] = raw[key]
    if props.get("description"):
        out["description"] = props["description"]
    return out


def metric_text(value: Any) -> str:
    """A latest metric value as the catalog's trainingMetrics hold it: Python's text of
    the float (a NaN, "NaN" in the run's JSON, is "nan", which search orders by)."""
    return str(value) if value is None else str(float(value))
