"""MLflow 3 logged models: the model's state in `mlflowLoggedModel` (MLflow's
LoggedModel), mapped to an mlModel of its own (`m-<hex>`, outside any group) in the
experiment's container, trained by its source run (`mapping.logged_model`)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow import mapping
from mlgraph.integrations.mlflow.objects import LoggedModel
from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.experiments import STATE as EXPERIMENT_STATE
from mlgraph.integrations.mlflow.server.experiments import experiment_urn_of
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
from mlgraph.integrations.mlflow.urns import logged_model_urn

router = APIRouter(route_class=MlflowRoute)
MAPPED = ("mlModelProperties", "container", "subTypes", "dataPlatformInstance", "status")
ASPECTS = ("mlflowLoggedModel", *MAPPED)
_STRINGS = {"name", "model_id", "source_run_id", "status", "model_type"}
_NUMBERS = {"creation_timestamp", "last_updated_timestamp"}
VERSIONS_TAG = "mlflow.modelVersions"
_STATUSES = ("LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED", "LOGGED_MODEL_PENDING")


def _load(call: Call, model_id: str) -> tuple[LoggedModel, cat.Aspects]:
    aspects = cat.read(call.services, logged_model_urn(model_id), ASPECTS)
    raw = cat.value(aspects, "mlflowLoggedModel")
    if not aspects or not raw:
        raise missing(f"Logged model with ID '{model_id}' not found.")
    return LoggedModel.from_raw(raw), aspects


def load_logged_model(call: Call, model_id: str) -> LoggedModel:
    return _load(call, model_id)[0]


def _changes(call: Call, model: LoggedModel, aspects: cat.Aspects | None) -> list[cat.Change]:
    urn = logged_model_urn(model.model_id)
    exp_urn = experiment_urn_of(call, model.experiment_id)
    if exp_urn is None:
        raise missing(f"No Experiment with id={model.experiment_id} exists")
    return [
        cat.raw(urn, aspects, "mlflowLoggedModel", model.to_raw()),
        *cat.sync(call.services, mapping.logged_model(model, exp_urn), {urn: aspects or {}}),
    ]


def registered(call: Call, model_id: str, name: str, version: str) -> list[cat.Change]:
    """A version was made from the logged model: as MLflow's server does, it joins the
    model's `mlflow.modelVersions` tag (the client then adds its own entry)."""
    model, aspects = _load(call, model_id)
    try:
        listed = json.loads(model.tags.get(VERSIONS_TAG) or "[]")
    except ValueError:
        listed = []
    listed = listed if isinstance(listed, list) else []
    model.tags[VERSIONS_TAG] = json.dumps([*listed, {"name": name, "version": int(version)}])
    return _changes(call, model, aspects)


def _update(call: Call, model_id: str, change: Any) -> dict[str, Any]:
    result: list[LoggedModel] = []

    def build() -> list[cat.Change]:
        model, aspects = _load(call, model_id)
        change(model)
        model.last_updated_timestamp = cat.now_ms()
        result[:] = [model]
        return _changes(call, model, aspects)

    cat.mutate(call.services, call.ctx, build)
    return {"model": result[0].to_json()}


def create_logged_model(call: Call) -> dict[str, Any]:
    exp_id = call.text("experiment_id")
    _, exp, _ = load_experiment(call, exp_id, EXPERIMENT_STATE)
    model_id = f"m-{uuid.uuid4().hex}"
    now = cat.now_ms()
    model = LoggedModel(
        model_id=model_id,
        experiment_id=exp_id,
        name=call.opt("name") or model_id,
        artifact_uri=f"{exp.artifact_location.rstrip('/')}/models/{model_id}/artifacts",
        status="LOGGED_MODEL_PENDING",
        source_run_id=call.opt("source_run_id") or "",
        model_type=call.opt("model_type") or "",
        creation_timestamp=now,
        last_updated_timestamp=now,
        tags=call.tags(),
        params=call.tags("params"),
    )
    cat.write(call.services, call.ctx, _changes(call, model, None))
    return {"model": model.to_json()}


def _model_id(call: Call) -> str:
    return call.text("model_id")


def get_logged_model(call: Call) -> dict[str, Any]:
    return {"model": load_logged_model(call, _model_id(call)).to_json()}


def finalize_logged_model(call: Call) -> dict[str, Any]:
    status = call.text("status")
    if status not in _STATUSES:
        raise invalid(f"Invalid value {status!r} for parameter 'status'")
    return _update(call, _model_id(call), lambda m: setattr(m, "status", status))


def delete_logged_model(call: Call) -> dict[str, Any]:
    _update(call, _model_id(call), lambda m: setattr(m, "status", "LOGGED_MODEL_DELETED"))
    return {}


def set_logged_model_tags(call: Call) -> dict[str, Any]:
    tags = call.tags()
    _update(call, _model_id(call), lambda m: m.tags.update(tags))
    return {}


def delete_logged_model_tag(call: Call) -> dict[str, Any]:
    key = call.text("tag_key")
    _update(call, _model_id(call), lambda m: m.tags.pop(key, None))
    return {}


def log_logged_model_params(call: Call) -> dict[str, Any]:
    params = call.tags("params")
    _update(call, _model_id(call), lambda m: m.params.update(params))
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
        exp_urn, _, _ = load_experiment(call, exp_id, EXPERIMENT_STATE)
        rels = call.services.entities.relationships(
            exp_urn, direction="incoming", types=["IsPartOf"]
        )
        urns = [r["urn"] for r in rels if r["urn"].startswith("urn:li:mlModel:")]
        models = cat.read_many(call.services, urns, ["mlflowLoggedModel"])
        for urn in urns:
            raw = cat.value(models.get(urn), "mlflowLoggedModel")
            if not raw:
                continue
            model = LoggedModel.from_raw(raw)
            if model.deleted:
                continue
            attrs: dict[str, Any] = {k: getattr(model, k) or None for k in _STRINGS}
            attrs["creation_timestamp"] = model.creation_timestamp
            attrs["last_updated_timestamp"] = model.last_updated_timestamp
            rec = Record(attrs=attrs, params=dict(model.params), tags=dict(model.tags))
            if all(matches(c, rec) for c in clauses):
                rec.attrs["_json"] = model.to_json()
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
