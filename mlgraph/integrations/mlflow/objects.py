"""MLflow's objects, typed: experiments, runs (params, metrics, tags, dataset inputs,
model outputs), logged models, registered models and model versions.

Both MLflow paths meet here. The pull source reads them from an MLflow server's REST
JSON (`from_json`); the MLflow API mlgraph serves keeps them as its own state (`raw`
aspects, `to_raw`/`from_raw`) and answers with `to_json`. Either way `mapping` turns
them into the same catalog aspects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


def kv(items: Any) -> dict[str, str]:
    """MLflow's `[{key, value}]` lists as a dict (a dict is taken as it is)."""
    if isinstance(items, dict):
        return {str(k): "" if v is None else str(v) for k, v in items.items()}
    out: dict[str, str] = {}
    for item in items or []:
        if isinstance(item, dict) and item.get("key") is not None:
            value = item.get("value")
            out[str(item["key"])] = "" if value is None else str(value)
    return out


def to_kv(d: dict[str, str]) -> list[JSON]:
    return [{"key": k, "value": v} for k, v in d.items()]


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def metric_value(value: Any) -> float:
    """A metric value from JSON: MLflow writes NaN as the string "NaN"."""
    if isinstance(value, str):
        return float("nan") if value.lower() == "nan" else float(value)
    return float(value)


def json_metric(value: float) -> float | str:
    """A metric value for JSON, which has no NaN: MLflow's wire form is "NaN"."""
    return "NaN" if math.isnan(value) else value


@dataclass
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str = ""
    lifecycle_stage: str = "active"
    creation_time: int | None = None
    last_update_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: JSON) -> Experiment:
        return cls(
            experiment_id=str(d["experiment_id"]),
            name=str(d.get("name", "")),
            artifact_location=str(d.get("artifact_location") or ""),
            lifecycle_stage=str(d.get("lifecycle_stage") or "active"),
            creation_time=_int(d.get("creation_time")),
            last_update_time=_int(d.get("last_update_time")),
            tags=kv(d.get("tags")),
        )

    def to_json(self) -> JSON:
        return {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "artifact_location": self.artifact_location,
            "lifecycle_stage": self.lifecycle_stage,
            "creation_time": self.creation_time,
            "last_update_time": self.last_update_time,
            "tags": to_kv(self.tags),
        }

    from_raw = from_json
    to_raw = to_json

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"


@dataclass
class Metric:
    """The latest point of one metric: MLflow's order is step, then time, then value."""

    value: float
    timestamp: int
    step: int = 0

    def rank(self) -> tuple[int, int, float]:
        return (self.step, self.timestamp, 0.0 if math.isnan(self.value) else self.value)


@dataclass
class DatasetInput:
    """One `log_input`: the dataset as MLflow describes it, and the input's tags
    (`mlflow.data.context`: training, eval...)."""

    name: str
    digest: str = ""
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: JSON) -> DatasetInput:
        ds = d.get("dataset") or {}
        return cls(
            name=str(ds.get("name") or ""),
            digest=str(ds.get("digest") or ""),
            source_type=str(ds.get("source_type") or ""),
            source=str(ds.get("source") or ""),
            schema=str(ds.get("schema") or ""),
            profile=str(ds.get("profile") or ""),
            tags=kv(d.get("tags")),
        )

    def to_json(self) -> JSON:
        ds = {"name": self.name, "digest": self.digest}
        for key in ("source_type", "source", "schema", "profile"):
            if getattr(self, key):
                ds[key] = getattr(self, key)
        return {"tags": to_kv(self.tags), "dataset": ds}

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.digest)


@dataclass
class Run:
    run_id: str
    experiment_id: str
    run_name: str = ""
    user_id: str = ""
    status: str = "RUNNING"
    start_time: int | None = None
    end_time: int | None = None
    artifact_uri: str = ""
    lifecycle_stage: str = "active"
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    inputs: list[DatasetInput] = field(default_factory=list)
    model_outputs: list[JSON] = field(default_factory=list)  # [{model_id, step}]

    @classmethod
    def from_json(cls, d: JSON) -> Run:
        """MLflow's Run JSON: {info, data, inputs, outputs}."""
        info, data = d.get("info") or {}, d.get("data") or {}
        metrics = {
            str(m["key"]): Metric(
                metric_value(m.get("value")), int(m.get("timestamp") or 0), int(m.get("step") or 0)
            )
            for m in data.get("metrics") or []
            if isinstance(m, dict) and m.get("key") is not None
        }
        return cls(
            run_id=str(info.get("run_id") or info.get("run_uuid")),
            experiment_id=str(info.get("experiment_id", "")),
            run_name=str(info.get("run_name") or ""),
            user_id=str(info.get("user_id") or ""),
            status=str(info.get("status") or "RUNNING"),
            start_time=_int(info.get("start_time")),
            end_time=_int(info.get("end_time")),
            artifact_uri=str(info.get("artifact_uri") or ""),
            lifecycle_stage=str(info.get("lifecycle_stage") or "active"),
            params=kv(data.get("params")),
            metrics=metrics,
            tags=kv(data.get("tags")),
            inputs=[
                DatasetInput.from_json(i)
                for i in (d.get("inputs") or {}).get("dataset_inputs") or []
                if isinstance(i, dict)
            ],
            model_outputs=[
                {"model_id": str(o["model_id"]), "step": int(o.get("step") or 0)}
                for o in (d.get("outputs") or {}).get("model_outputs") or []
                if isinstance(o, dict) and o.get("model_id")
            ],
        )

    def info_json(self) -> JSON:
        info = {
            "run_id": self.run_id,
            "run_uuid": self.run_id,
            "run_name": self.run_name,
            "experiment_id": self.experiment_id,
            "user_id": self.user_id,
            "status": self.status,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "artifact_uri": self.artifact_uri,
            "lifecycle_stage": self.lifecycle_stage,
        }
        return {k: v for k, v in info.items() if v is not None}

    def to_json(self) -> JSON:
        metrics = [
            {"key": k, "value": json_metric(m.value), "timestamp": m.timestamp, "step": m.step}
            for k, m in self.metrics.items()
        ]
        return {
            "info": self.info_json(),
            "data": {"metrics": metrics, "params": to_kv(self.params), "tags": to_kv(self.tags)},
            "inputs": {"dataset_inputs": [i.to_json() for i in self.inputs], "model_inputs": []},
            "outputs": {"model_outputs": list(self.model_outputs)},
        }

    # The MLflow API's own state: the info fields at the top level (runs/search filters
    # and orders on them in SQL), the rest as in `to_json`.
    def to_raw(self) -> JSON:
        return {
            **self.info_json(),
            "params": dict(self.params),
            "metrics": {
                k: {"value": json_metric(m.value), "timestamp": m.timestamp, "step": m.step}
                for k, m in self.metrics.items()
            },
            "tags": dict(self.tags),
            "inputs": [i.to_json() for i in self.inputs],
            "outputs": list(self.model_outputs),
        }

    @classmethod
    def from_raw(cls, d: JSON) -> Run:
        return cls.from_json(
            {
                "info": d,
                "data": {
                    "params": d.get("params") or {},
                    "tags": d.get("tags") or {},
                    "metrics": [{"key": k, **m} for k, m in (d.get("metrics") or {}).items()],
                },
                "inputs": {"dataset_inputs": d.get("inputs") or []},
                "outputs": {"model_outputs": d.get("outputs") or []},
            }
        )

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"

    @property
    def name(self) -> str:
        return self.run_name or self.tags.get("mlflow.runName") or self.run_id


@dataclass
class LoggedModel:
    """An MLflow 3 logged model (`m-<hex>`), its info and data flattened."""

    model_id: str
    experiment_id: str
    name: str
    artifact_uri: str = ""
    status: str = "LOGGED_MODEL_PENDING"
    source_run_id: str = ""
    model_type: str = ""
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[JSON] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: JSON) -> LoggedModel:
        """`{info, data}` as logged-models/get and search answer."""
        info, data = d.get("info") or {}, d.get("data") or {}
        return cls(
            model_id=str(info["model_id"]),
            experiment_id=str(info.get("experiment_id", "")),
            name=str(info.get("name") or info["model_id"]),
            artifact_uri=str(info.get("artifact_uri") or ""),
            status=str(info.get("status") or "LOGGED_MODEL_PENDING"),
            source_run_id=str(info.get("source_run_id") or ""),
            model_type=str(info.get("model_type") or ""),
            creation_timestamp=_int(info.get("creation_timestamp_ms")),
            last_updated_timestamp=_int(info.get("last_updated_timestamp_ms")),
            tags=kv(info.get("tags")),
            params=kv(data.get("params")),
            metrics=list(data.get("metrics") or []),
        )

    def to_json(self) -> JSON:
        info: JSON = {
            "model_id": self.model_id,
            "experiment_id": self.experiment_id,
            "name": self.name,
            "artifact_uri": self.artifact_uri,
            "status": self.status,
            "creation_timestamp_ms": self.creation_timestamp,
            "last_updated_timestamp_ms": self.last_updated_timestamp,
            "tags": to_kv(self.tags),
        }
        for key in ("source_run_id", "model_type"):
            if getattr(self, key):
                info[key] = getattr(self, key)
        return {"info": info, "data": {"params": to_kv(self.params), "metrics": self.metrics}}

    from_raw = from_json
    to_raw = to_json

    @property
    def deleted(self) -> bool:
        return self.status == "LOGGED_MODEL_DELETED"


@dataclass
class RegisteredModel:
    name: str
    description: str = ""
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    user_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version

    @classmethod
    def from_json(cls, d: JSON) -> RegisteredModel:
        aliases = d.get("aliases") or []
        return cls(
            name=str(d["name"]),
            description=str(d.get("description") or ""),
            creation_timestamp=_int(d.get("creation_timestamp")),
            last_updated_timestamp=_int(d.get("last_updated_timestamp")),
            user_id=str(d.get("user_id") or ""),
            tags=kv(d.get("tags")),
            aliases=(
                {str(k): str(v) for k, v in aliases.items()}
                if isinstance(aliases, dict)
                else {str(a["alias"]): str(a["version"]) for a in aliases if isinstance(a, dict)}
            ),
        )

    def to_json(self) -> JSON:
        out: JSON = {
            "name": self.name,
            "creation_timestamp": self.creation_timestamp,
            "last_updated_timestamp": self.last_updated_timestamp,
            "user_id": self.user_id,
            "tags": to_kv(self.tags),
            "aliases": [{"alias": a, "version": v} for a, v in sorted(self.aliases.items())],
        }
        if self.description:
            out["description"] = self.description
        return out


@dataclass
class ModelVersion:
    name: str
    version: str
    description: str = ""
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    user_id: str = ""
    current_stage: str = "None"
    source: str = ""
    run_id: str = ""
    run_link: str = ""
    model_id: str = ""
    status: str = "READY"
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, d: JSON) -> ModelVersion:
        return cls(
            name=str(d["name"]),
            version=str(d["version"]),
            description=str(d.get("description") or ""),
            creation_timestamp=_int(d.get("creation_timestamp")),
            last_updated_timestamp=_int(d.get("last_updated_timestamp")),
            user_id=str(d.get("user_id") or ""),
            current_stage=str(d.get("current_stage") or "None"),
            source=str(d.get("source") or ""),
            run_id=str(d.get("run_id") or ""),
            run_link=str(d.get("run_link") or ""),
            model_id=str(d.get("model_id") or ""),
            status=str(d.get("status") or "READY"),
            tags=kv(d.get("tags")),
            aliases=sorted(str(a) for a in d.get("aliases") or []),
        )

    def to_json(self, with_aliases: bool = True) -> JSON:
        out: JSON = {
            "name": self.name,
            "version": self.version,
            "creation_timestamp": self.creation_timestamp,
            "last_updated_timestamp": self.last_updated_timestamp,
            "user_id": self.user_id,
            "current_stage": self.current_stage,
            "source": self.source,
            "status": self.status,
            "tags": to_kv(self.tags),
            "aliases": sorted(self.aliases) if with_aliases else [],
        }
        for key in ("run_id", "run_link", "model_id", "description"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @property
    def logged_model_id(self) -> str | None:
        """Its MLflow 3 logged model: `model_id`, or a `models:/m-...` source."""
        if self.model_id:
            return self.model_id
        if self.source.startswith("models:/m-"):
            return self.source.removeprefix("models:/").split("/", 1)[0]
        return None
