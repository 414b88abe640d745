"""MLflow experiments as catalog containers (subtype "ML Experiment", platform mlflow):
name and tags in containerProperties, the rest in the raw `mlflowExperiment` aspect;
ids come from the `mlflowExperimentIndex` counter (see catalog.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

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
from mlgraph.integrations.mlflow.server.translate import experiment_json
from mlgraph.integrations.mlflow.urns import EXPERIMENT_SUBTYPE, PLATFORM_URN, experiment_urn
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)
_ASPECTS = ("containerProperties", "mlflowExperiment", "status")
_STRINGS = {"name", "experiment_id"}
_NUMBERS = {"creation_time", "last_update_time"}


def create_experiment_proposals(
    index: dict[str, Any],
    index_version: int,
    exp_id: str,
    name: str,
    artifact_location: str | None,
    tags: dict[str, str],
    urn: str,
) -> list[Proposal]:
    now = cat.now_ms()
    by_id = {**index.get("by_id", {}), exp_id: urn}
    by_name = {**index.get("by_name", {}), name: exp_id}
    next_id = max(int(index.get("next_id", 1)), int(exp_id) + 1)
    return [
        cat.upsert(
            PLATFORM_URN,
            cat.INDEX,
            {"next_id": next_id, "by_id": by_id, "by_name": by_name},
            index_version,
        ),
        cat.upsert(urn, "containerProperties", {"name": name, "customProperties": tags}),
        cat.upsert(urn, "subTypes", {"typeNames": [EXPERIMENT_SUBTYPE]}),
        cat.upsert(urn, "dataPlatformInstance", {"platform": PLATFORM_URN}),
        cat.upsert(
            urn,
            "mlflowExperiment",
            {
                "experiment_id": exp_id,
                "artifact_location": artifact_location or f"mlflow-artifacts:/{exp_id}",
                "lifecycle_stage": "active",
                "creation_time": now,
                "last_update_time": now,
            },
        ),
    ]


def _urn(call: Call, exp_id: str) -> str:
    urn = cat.experiment_urn_of(call.services, call.ctx, exp_id)
    if urn is None:
        raise missing(f"No Experiment with id={exp_id} exists")
    return urn


def load(call: Call, exp_id: str) -> tuple[str, cat.Aspects]:
    urn = _urn(call, exp_id)
    aspects = cat.read(call.services, urn, _ASPECTS)
    if aspects is None:
        raise missing(f"No Experiment with id={exp_id} exists")
    return urn, aspects


def create_experiment(call: Call) -> dict[str, Any]:
    name = call.text("name")
    tags = call.tags()
    cat.ensure_default_experiment(call.services, call.ctx)
    created: list[str] = []

    def build() -> list[Proposal]:
        index, ver = cat.experiment_index(call.services)
        if name in index.get("by_name", {}):
            raise exists(f"Experiment '{name}' already exists.")
        exp_id = str(index.get("next_id", 1))
        urn = experiment_urn(name)
        if urn in index.get("by_id", {}).values():  # the name of an experiment since renamed
            urn = experiment_urn(f"{name}#{exp_id}")
        created[:] = [exp_id]
        return create_experiment_proposals(
            index, ver, exp_id, name, call.opt("artifact_location"), tags, urn
        )

    cat.mutate(call.services, call.ctx, build)
    return {"experiment_id": created[0]}


def get_experiment(call: Call) -> dict[str, Any]:
    _, aspects = load(call, call.text("experiment_id"))
    return {"experiment": experiment_json(aspects)}


def get_experiment_by_name(call: Call) -> dict[str, Any]:
    name = call.text("experiment_name")
    cat.ensure_default_experiment(call.services, call.ctx)
    index, _ = cat.experiment_index(call.services)
    exp_id = index.get("by_name", {}).get(name)
    if exp_id is None:
        raise missing(f"Could not find experiment with name '{name}'")
    _, aspects = load(call, exp_id)
    return {"experiment": experiment_json(aspects)}


def _view_ok(view: str, stage: str) -> bool:
    return view == "ALL" or (stage == "deleted") == (view == "DELETED_ONLY")


def search_experiments(call: Call) -> dict[str, Any]:
    view = (call.opt("view_type") or "ACTIVE_ONLY").upper()
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise invalid(f"Invalid view_type '{view}'")
    size = call.integer("max_results", 1000) or 1000
    if not 1 <= size <= 50_000:
        raise invalid(f"Invalid value {size} for parameter 'max_results'")
    clauses = parse(call.opt("filter"), _STRINGS, _NUMBERS)
    keys = parse_order(call.items("order_by"), _STRINGS, _NUMBERS)
    cat.ensure_default_experiment(call.services, call.ctx)
    index, _ = cat.experiment_index(call.services)
    found = []
    for urn in index.get("by_id", {}).values():
        aspects = cat.read(call.services, urn, _ASPECTS)
        if aspects is None:
            continue
        exp = experiment_json(aspects)
        if not _view_ok(view, exp["lifecycle_stage"]):
            continue
        rec = Record(
            attrs={
                k: exp[k] for k in ("name", "experiment_id", "creation_time", "last_update_time")
            },
            tags={t["key"]: t["value"] for t in exp["tags"]},
        )
        rec.attrs["_json"] = exp
        if all(matches(c, rec) for c in clauses):
            found.append(rec)
    ordered = order(
        found, [*keys, ("attr", "creation_time", True), ("attr", "experiment_id", False)]
    )
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out: dict[str, Any] = {"experiments": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


def _touch(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**raw, **changes, "last_update_time": cat.now_ms()}


def update_experiment(call: Call) -> dict[str, Any]:
    exp_id, new_name = call.text("experiment_id"), call.opt("new_name")
    if not new_name:
        return {}

    def build() -> list[Proposal]:
        urn, aspects = load(call, exp_id)
        index, ver = cat.experiment_index(call.services)
        props = cat.value(aspects, "containerProperties")
        if new_name in index.get("by_name", {}) and props.get("name") != new_name:
            raise exists(f"Experiment '{new_name}' already exists.")
        by_name = {k: v for k, v in index["by_name"].items() if v != exp_id} | {new_name: exp_id}
        return [
            cat.upsert(PLATFORM_URN, cat.INDEX, {**index, "by_name": by_name}, ver),
            cat.upsert(urn, "containerProperties", {**props, "name": new_name}),
            cat.upsert(urn, "mlflowExperiment", _touch(cat.value(aspects, "mlflowExperiment"))),
        ]

    cat.mutate(call.services, call.ctx, build)
    return {}


def _lifecycle(call: Call, stage: str) -> dict[str, Any]:
    exp_id = call.text("experiment_id")
    if exp_id == cat.DEFAULT_EXPERIMENT and stage == "deleted":
        raise invalid(
            "Cannot delete the default experiment '0'. This is an internally reserved experiment."
        )

    def build() -> list[Proposal]:
        urn, aspects = load(call, exp_id)
        raw = cat.value(aspects, "mlflowExperiment")
        if (raw.get("lifecycle_stage") == "deleted") == (stage == "deleted"):
            if stage == "active":
                raise invalid(f"Cannot restore an active experiment '{exp_id}'")
            return []
        op = Op.DELETE_ENTITY if stage == "deleted" else Op.RESTORE_ENTITY
        return [
            cat.upsert(
                urn,
                "mlflowExperiment",
                _touch(raw, lifecycle_stage=stage),
                cat.version(aspects, "mlflowExperiment"),
            ),
            Proposal(op, urn),
        ]

    cat.mutate(call.services, call.ctx, build)
    return {}


def delete_experiment(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "deleted")


def restore_experiment(call: Call) -> dict[str, Any]:
    return _lifecycle(call, "active")


def _tag(call: Call, key: str, val: str | None) -> dict[str, Any]:
    exp_id = call.text("experiment_id")

    def build() -> list[Proposal]:
        urn, aspects = load(call, exp_id)
        props = cat.value(aspects, "containerProperties")
        tags = dict(props.get("customProperties", {}))
        if val is None:
            if key not in tags:
                raise missing(f"No tag with name: {key} in experiment with id {exp_id}")
            del tags[key]
        else:
            tags[key] = val
        return [
            cat.upsert(
                urn,
                "containerProperties",
                {**props, "customProperties": tags},
                cat.version(aspects, "containerProperties"),
            ),
        ]

    cat.mutate(call.services, call.ctx, build)
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
