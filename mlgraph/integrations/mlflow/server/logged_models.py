"""MLflow 3 logged models as catalog mlModels of their own (`m-<hex>`, no group), in
the experiment's container, trained by their source run (trainingJobs); the MLflow
LoggedModel info (status, params, tags, artifact location) in raw `mlflowLoggedModel`."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.experiments import load as load_experiment
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.query import (
    Record,
    matches,
    order,
    page,
    parse,
    parse_order,
)
from mlgraph.integrations.mlflow.server.translate import experiment_json, kv
from mlgraph.integrations.mlflow.urns import PLATFORM_URN, logged_model_urn, run_urn
from mlgraph.services.proposals import Proposal

router = APIRouter(route_class=MlflowRoute)
SUBTYPE = "MLflow Logged Model"
_ASPECTS = ("mlflowLoggedModel", "mlModelProperties")
_STRINGS = {"name", "model_id", "source_run_id", "status", "model_type"}
_NUMBERS = {"creation_timestamp", "last_updated_timestamp"}


def load_logged_model(call: Call, model_id: str) -> dict[str, Any]:
    aspects = cat.read(call.services, logged_model_urn(model_id), _ASPECTS)
    raw = cat.value(aspects, "mlflowLoggedModel")
    if not raw:
        raise missing(f"Logged model with ID '{model_id}' not found.")
    return raw


def model_json(raw: dict[str, Any]) -> dict[str, Any]:
    info = {k: v for k, v in raw.items() if k not in ("params", "tags", "metrics")}
    info["tags"] = kv(raw.get("tags", {}))
    return {
        "info": info,
        "data": {"params": kv(raw.get("params", {})), "metrics": raw.get("metrics", [])},
    }


def _update(call: Call, model_id: str, change: Any) -> dict[str, Any]:
    urn = logged_model_urn(model_id)
    result: list[dict[str, Any]] = []

    def build() -> list[Proposal]:
        aspects = cat.read(call.services, urn, _ASPECTS)
        raw = cat.value(aspects, "mlflowLoggedModel")
        if not raw:
            raise missing(f"Logged model with ID '{model_id}' not found.")
        change(raw)
        raw["last_updated_timestamp_ms"] = cat.now_ms()
        props = cat.value(aspects, "mlModelProperties")
        props["customProperties"] = dict(raw.get("tags", {}))
        props["hyperParams"] = [{"name": k, "value": v} for k, v in raw.get("params", {}).items()]
        result[:] = [raw]
        return [
            cat.upsert(urn, "mlflowLoggedModel", raw, cat.version(aspects, "mlflowLoggedModel")),
            cat.upsert(urn, "mlModelProperties", props, cat.version(aspects, "mlModelProperties")),
        ]

    cat.mutate(call.services, call.ctx, build)
    return {"model": model_json(result[0])}


def create_logged_model(call: Call) -> dict[str, Any]:
    exp_id = call.text("experiment_id")
    exp_urn, exp_aspects = load_experiment(call, exp_id)
    model_id = f"m-{uuid.uuid4().hex}"
    now = cat.now_ms()
    run_id = call.opt("source_run_id")
    location = experiment_json(exp_aspects)["artifact_location"].rstrip("/")
    raw = {
        "model_id": model_id,
        "experiment_id": exp_id,
        "name": call.opt("name") or model_id,
        "creation_timestamp_ms": now,
        "last_updated_timestamp_ms": now,
        "artifact_uri": f"{location}/models/{model_id}/artifacts",
        "status": "LOGGED_MODEL_PENDING",
        "tags": call.tags(),
        "params": call.tags("params"),
    }
    for key in ("model_type", "source_run_id"):
        if call.opt(key):
            raw[key] = call.opt(key)
    urn = logged_model_urn(model_id)
    props: dict[str, Any] = {
        "name": raw["name"],
        "customProperties": raw["tags"],
        "created": {"time": now, "actor": call.ctx.actor},
    }
    props["hyperParams"] = [{"name": k, "value": v} for k, v in call.tags("params").items()]
    if run_id:
        props["trainingJobs"] = [run_urn(run_id)]
    cat.write(
        call.services,
        call.ctx,
        [
            cat.upsert(urn, "mlModelProperties", props),
            cat.upsert(urn, "subTypes", {"typeNames": [SUBTYPE]}),
            cat.upsert(urn, "container", {"container": exp_urn}),
            cat.upsert(urn, "dataPlatformInstance", {"platform": PLATFORM_URN}),
            cat.upsert(urn, "mlflowLoggedModel", raw),
        ],
    )
    return {"model": model_json(raw)}


def _model_id(call: Call) -> str:
    return call.text("model_id")


def get_logged_model(call: Call) -> dict[str, Any]:
    return {"model": model_json(load_logged_model(call, _model_id(call)))}


def finalize_logged_model(call: Call) -> dict[str, Any]:
    status = call.text("status")
    if status not in ("LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED", "LOGGED_MODEL_PENDING"):
        raise invalid(f"Invalid value {status!r} for parameter 'status'")
    return _update(call, _model_id(call), lambda raw: raw.update(status=status))


def delete_logged_model(call: Call) -> dict[str, Any]:
    _update(call, _model_id(call), lambda raw: raw.update(status="LOGGED_MODEL_DELETED"))
    return {}


def set_logged_model_tags(call: Call) -> dict[str, Any]:
    tags = call.tags()
    _update(call, _model_id(call), lambda raw: raw.setdefault("tags", {}).update(tags))
    return {}


def delete_logged_model_tag(call: Call) -> dict[str, Any]:
    key = call.text("tag_key")
    _update(call, _model_id(call), lambda raw: raw.setdefault("tags", {}).pop(key, None))
    return {}


def log_logged_model_params(call: Call) -> dict[str, Any]:
    params = call.tags("params")
    _update(call, _model_id(call), lambda raw: raw.setdefault("params", {}).update(params))
    return {}


def search_logged_models(call: Call) -> dict[str, Any]:
    size = call.integer("max_results", 100) or 100
    clauses = parse(call.opt("filter"), _STRINGS, _NUMBERS)
    order_by = [
        f"{o.get('field_name')} {'ASC' if o.get('ascending', True) else 'DESC'}"
        if isinstance(o, dict)
        else o
        for o in call.items("order_by")
    ]
    keys = parse_order(order_by, _STRINGS, _NUMBERS)
    found = []
    for exp_id in [str(e) for e in call.items("experiment_ids")]:
        exp_urn, _ = load_experiment(call, exp_id)
        rels = call.services.entities.relationships(
            exp_urn, direction="incoming", types=["IsPartOf"]
        )
        for rel in rels:
            if not rel["urn"].startswith("urn:li:mlModel:"):
                continue
            raw = cat.value(
                cat.read(call.services, rel["urn"], ["mlflowLoggedModel"]), "mlflowLoggedModel"
            )
            if not raw or raw.get("status") == "LOGGED_MODEL_DELETED":
                continue
            attrs = {k: raw.get(k) for k in _STRINGS}
            attrs["creation_timestamp"] = raw.get("creation_timestamp_ms")
            attrs["last_updated_timestamp"] = raw.get("last_updated_timestamp_ms")
            rec = Record(attrs=attrs, params=raw.get("params", {}), tags=raw.get("tags", {}))
            if all(matches(c, rec) for c in clauses):
                rec.attrs["_json"] = model_json(raw)
                found.append(rec)
    ordered = order(
        found, [*keys, ("attr", "creation_timestamp", True), ("attr", "model_id", False)]
    )
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out: dict[str, Any] = {"models": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


route(router, "POST", "/logged-models", create_logged_model)
route(router, "POST", "/logged-models/search", search_logged_models)
route(router, "GET", "/logged-models/{model_id}", get_logged_model)
route(router, "PATCH", "/logged-models/{model_id}", finalize_logged_model)
route(router, "DELETE", "/logged-models/{model_id}", delete_logged_model)
route(router, "PATCH", "/logged-models/{model_id}/tags", set_logged_model_tags)
route(router, "DELETE", "/logged-models/{model_id}/tags/{tag_key}", delete_logged_model_tag)
route(router, "POST", "/logged-models/{model_id}/params", log_logged_model_params)
