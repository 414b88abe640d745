"""MLflow experiments: `mlflowExperiment` on the experiment's container, mapped to an ML
Experiment container (`mapping.experiment`); the id and the name are an `external_ids`
row, whose constraints keep both unique. A container's URN comes from the name the
experiment was created with, so a rename moves nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow import mapping
from mlgraph.integrations.mlflow.objects import Experiment
from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, exists, invalid, missing
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.query import (
    Record,
    matches,
    order,
    page,
    parse,
    parse_order,
)
from mlgraph.integrations.mlflow.urns import experiment_urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import WriteContext

router = APIRouter(route_class=MlflowRoute)
MAPPED = ("containerProperties", "subTypes", "dataPlatformInstance", "status")
ASPECTS = ("mlflowExperiment", *MAPPED)
_STRINGS = {"name", "experiment_id"}
_NUMBERS = {"creation_time", "last_update_time"}


def changes(
    services: Services, urn: str, exp: Experiment, aspects: cat.Aspects | None
) -> list[cat.Change]:
    """The experiment's raw state and the catalog mapped from it."""
    return [
        cat.raw(urn, aspects, "mlflowExperiment", exp.to_raw()),
        *cat.sync(services, mapping.experiment(exp, urn), {urn: aspects or {}}),
    ]


def _create(
    services: Services, exp_id: str, name: str, artifact_location: str | None, tags: dict[str, str]
) -> list[cat.Change]:
    now = cat.now_ms()
    exp = Experiment(
        exp_id, name, artifact_location or f"mlflow-artifacts:/{exp_id}", "active", now, now, tags
    )
    urn = experiment_urn(name)
    if services.entities.external_ids_of(urn):  # the name of an experiment since renamed
        urn = experiment_urn(f"{name}#{exp_id}")
    aspects = cat.read(services, urn, ASPECTS)  # a container pulled from MLflow, say
    return [cat.claim_experiment(urn, exp_id, name), *changes(services, urn, exp, aspects)]


def ensure_default_experiment(services: Services, ctx: WriteContext) -> None:
    """MLflow's pre-created experiment "0", named Default, made on first use."""
    ids = services.entities
    if ids.external_id(cat.SYSTEM, cat.EXPERIMENT, cat.DEFAULT_EXPERIMENT) is not None:
        return

    def build() -> list[cat.Change]:
        if ids.external_id(cat.SYSTEM, cat.EXPERIMENT, cat.DEFAULT_EXPERIMENT) is not None:
            return []
        return _create(services, cat.DEFAULT_EXPERIMENT, "Default", None, {})

    cat.mutate(services, ctx, build)


def experiment_urn_of(call: Call, exp_id: str) -> str | None:
    found = call.services.entities.external_id(cat.SYSTEM, cat.EXPERIMENT, exp_id)
    if found is None and exp_id == cat.DEFAULT_EXPERIMENT:
        ensure_default_experiment(call.services, call.ctx)
        found = call.services.entities.external_id(cat.SYSTEM, cat.EXPERIMENT, exp_id)
    return found.urn if found else None


STATE = ("mlflowExperiment",)


def load(
    call: Call, exp_id: str, names: tuple[str, ...] = ASPECTS
) -> tuple[str, Experiment, cat.Aspects]:
    """An experiment with `names` loaded: all it maps to, to change it; its state
    (`STATE`) to answer about it or to use it."""
    urn = experiment_urn_of(call, exp_id)
    aspects = cat.read(call.services, urn, names) if urn else None
    if urn is None or not aspects or "mlflowExperiment" not in aspects:
        raise missing(f"No Experiment with id={exp_id} exists")
    return urn, Experiment.from_raw(cat.value(aspects, "mlflowExperiment")), aspects


def create_experiment(call: Call) -> dict[str, Any]:
    name = call.text("name")
    tags = call.tags()
    ensure_default_experiment(call.services, call.ctx)
    entities = call.services.entities
    created: list[str] = []

    def build() -> list[cat.Change]:
        if entities.external_id_named(cat.SYSTEM, cat.EXPERIMENT, name) is not None:
            raise exists(f"Experiment '{name}' already exists.")
        exp_id = str((entities.last_external_number(cat.SYSTEM, cat.EXPERIMENT) or 0) + 1)
        created[:] = [exp_id]
        return _create(call.services, exp_id, name, call.opt("artifact_location"), tags)

    cat.mutate(call.services, call.ctx, build)
    return {"experiment_id": created[0]}


def get_experiment(call: Call) -> dict[str, Any]:
    _, exp, _ = load(call, call.text("experiment_id"))
    return {"experiment": exp.to_json()}


def get_experiment_by_name(call: Call) -> dict[str, Any]:
    name = call.text("experiment_name")
    ensure_default_experiment(call.services, call.ctx)
    found = call.services.entities.external_id_named(cat.SYSTEM, cat.EXPERIMENT, name)
    if found is None:
        raise missing(f"Could not find experiment with name '{name}'")
    _, exp, _ = load(call, found.key)
    return {"experiment": exp.to_json()}


def _view_ok(view: str, exp: Experiment) -> bool:
    return view == "ALL" or exp.deleted == (view == "DELETED_ONLY")


def search_experiments(call: Call) -> dict[str, Any]:
    view = (call.opt("view_type") or "ACTIVE_ONLY").upper()
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise invalid(f"Invalid view_type '{view}'")
    size = call.integer("max_results", 1000) or 1000
    if not 1 <= size <= 50_000:
        raise invalid(f"Invalid value {size} for parameter 'max_results'")
    clauses = parse(call.opt("filter"), _STRINGS, _NUMBERS)
    keys = parse_order(call.items("order_by"), _STRINGS, _NUMBERS)
    ensure_default_experiment(call.services, call.ctx)
    ids = call.services.entities.external_ids(cat.SYSTEM, cat.EXPERIMENT)
    found = cat.read_many(call.services, [i.urn for i in ids], ["mlflowExperiment"])
    records = []
    for i in ids:
        raw = cat.value(found.get(i.urn), "mlflowExperiment")
        if not raw:
            continue
        exp = Experiment.from_raw(raw)
        if not _view_ok(view, exp):
            continue
        data = exp.to_json()
        rec = Record(
            attrs={
                k: data[k] for k in ("name", "experiment_id", "creation_time", "last_update_time")
            },
            tags=dict(exp.tags),
        )
        rec.attrs["_json"] = data
        if all(matches(c, rec) for c in clauses):
            records.append(rec)
    ordered = order(
        records, [*keys, ("attr", "creation_time", True), ("attr", "experiment_id", False)]
    )
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out: dict[str, Any] = {"experiments": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


def _change(call: Call, exp_id: str, edit: Any, *, touch: bool = True) -> None:
    """Read the experiment, `edit(exp)` it (raising to refuse, returning False for no
    change), write its state and what maps from it. Tags, as in MLflow, leave the
    experiment's last update time alone."""

    def build() -> list[cat.Change]:
        urn, exp, aspects = load(call, exp_id)
        if edit(exp) is False:
            return []
        if touch:
            exp.last_update_time = cat.now_ms()
        return changes(call.services, urn, exp, aspects)

    cat.mutate(call.services, call.ctx, build)


def update_experiment(call: Call) -> dict[str, Any]:
    exp_id, new_name = call.text("experiment_id"), call.opt("new_name")
    if not new_name:
        return {}
    entities = call.services.entities

    def build() -> list[cat.Change]:
        urn, exp, aspects = load(call, exp_id)
        holder = entities.external_id_named(cat.SYSTEM, cat.EXPERIMENT, new_name)
        if holder is not None and holder.key != exp_id:
            raise exists(f"Experiment '{new_name}' already exists.")
        exp.name = new_name
        exp.last_update_time = cat.now_ms()
        claim = cat.claim_experiment(urn, exp_id, new_name)
        return [claim, *changes(call.services, urn, exp, aspects)]

    cat.mutate(call.services, call.ctx, build)
    return {}


def _lifecycle(call: Call, stage: str) -> dict[str, Any]:
    exp_id = call.text("experiment_id")
    if exp_id == cat.DEFAULT_EXPERIMENT and stage == "deleted":
        raise invalid(
            "Cannot delete the default experiment '0'. This is an internally reserved experiment."
        )

    def edit(exp: Experiment) -> bool:
        if exp.lifecycle_stage == stage:
            if stage == "active":
                raise invalid(f"Cannot restore an active experiment '{exp_id}'")
            return False
        exp.lifecycle_stage = stage
        return True

    _change(call, exp_id, edit)
    return {}


def delete_experiment(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "deleted")


def restore_experiment(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "active")


def _tag(call: Call, key: str, val: str | None) -> dict[str, Any]:
    exp_id = call.text("experiment_id")

    def edit(exp: Experiment) -> None:
        if val is None:
            if key not in exp.tags:
                raise missing(f"No tag with name: {key} in experiment with id {exp_id}")
            del exp.tags[key]
        else:
            exp.tags[key] = val

    _change(call, exp_id, edit, touch=False)
    return {}


def set_experiment_tag(call: Call) -> dict[str, Any]:
    return _tag(call, call.text("key"), call.opt("value") or "")


def delete_experiment_tag(call: Call) -> dict[str, Any]:
    return _tag(call, call.text("key"), None)


route(router, "POST", "/experiments/create", create_experiment)
route(router, "GET", "/experiments/get", get_experiment)
route(router, "GET", "/experiments/get-by-name", get_experiment_by_name)
route(router, "GET,POST", "/experiments/search", search_experiments)
route(router, "POST", "/experiments/update", update_experiment)
route(router, "POST", "/experiments/delete", delete_experiment)
route(router, "POST", "/experiments/restore", restore_experiment)
route(router, "POST", "/experiments/set-experiment-tag", set_experiment_tag)
route(router, "POST", "/experiments/delete-experiment-tag", delete_experiment_tag)
