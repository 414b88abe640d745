"""MLflow model versions: the version's state in `mlflowModelVersion` (MLflow's
ModelVersion with its stage, plus its storage location), mapped to an
mlModel `<name>_<version>` in its group's version set (`mapping.model_version`), with
the params and metrics of its run and its stage as the tag `urn:li:tag:mlflow_<stage>`.
Each stage move is also a write of `mlflowRegistryState` (the audit trail). The lineage
tag policy that guards registration runs below, in the write service, as on every door.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow import mapping
from mlgraph.integrations.mlflow.objects import LoggedModel, ModelVersion, Run
from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.logged_models import load_logged_model, registered
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.query import (
    Record,
    matches,
    order,
    page,
    parse,
    parse_order,
)
from mlgraph.integrations.mlflow.server.registry import (
    STAGES,
    VERSION_ASPECTS,
    LoadedModel,
    LoadedVersion,
    live_models,
    load_model,
    model_changes,
    state_proposal,
    touch,
    version_of,
    versions_of,
)
from mlgraph.integrations.mlflow.server.runs import (
    load_logged,
    load_run,
    register,
    run_of,
    unregister,
)
from mlgraph.integrations.mlflow.urns import model_version_urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)


def load_version(call: Call, name: str, version: str) -> tuple[LoadedModel, LoadedVersion]:
    model = load_model(call, name)
    urn = model_version_urn(name, version)
    found = version_of(urn, cat.read(call.services, urn, VERSION_ASPECTS), model.model)
    if found is None:
        raise missing(f"Model Version (name={name}, version={version}) not found")
    return model, found


def state_changes(services: Services, v: LoadedVersion) -> list[cat.Change]:
    """The version's raw state and what a stage or alias move changes in the catalog."""
    mv = v.version
    mapped = mapping.version_state(mv) + mapping.stage_tag(mv.current_stage)
    return [
        cat.raw(v.urn, v.aspects, "mlflowModelVersion", v.raw()),
        *cat.sync(services, mapped, {v.urn: v.aspects}),
    ]


def full_changes(
    services: Services, v: LoadedVersion, run: Run | None, logged: LoggedModel | None
) -> list[cat.Change]:
    """The version's raw state and all the catalog mapped from it (with `run`'s params
    and metrics, and `logged`'s type)."""
    mv = v.version
    mapped = mapping.model_version(mv, run, logged) + mapping.stage_tag(mv.current_stage)
    return [
        cat.raw(v.urn, v.aspects, "mlflowModelVersion", v.raw()),
        *cat.sync(services, mapped, {v.urn: v.aspects}),
    ]


def create_model_version(call: Call) -> dict[str, Any]:
    name, source = call.text("name"), call.text("source")
    run_id, model_id = call.opt("run_id"), call.opt("model_id")
    tags, description = call.tags(), call.opt("description")
    logged = load_logged_model(call, model_id) if model_id else None
    run_id = run_id or (logged.source_run_id if logged else None) or None
    storage = logged.artifact_uri if logged and logged.artifact_uri else source
    made: list[ModelVersion] = []

    def build() -> list[cat.Change]:
        model = load_model(call, name)
        run = load_run(call, run_id) if run_id else None
        number = str(model.next_version)
        now = cat.now_ms()
        mv = ModelVersion(
            name=name,
            version=number,
            description=description or "",
            creation_timestamp=now,
            last_updated_timestamp=now,
            source=source,
            run_id=run_id or "",
            run_link=call.opt("run_link") or "",
            model_id=model_id or "",
            tags=tags,
            user_id=call.signed_in_user or "",
        )
        made[:] = [mv]
        v = LoadedVersion(model_version_urn(name, number), mv, storage, {})
        model.next_version += 1
        model.latest = number
        touch(model)
        out = [
            *model_changes(call.services, model, versions_changed=True),
            *full_changes(call.services, v, run.run if run else None, logged),
            state_proposal(v, {"kind": "stage", "version": number, "from": None, "to": "None"}),
        ]
        if run is not None:
            out += register(call.services, run, v.urn)
        if model_id:
            out += registered(call, model_id, name, number)
        return out

    cat.mutate(call.services, call.ctx, build)
    return {"model_version": made[0].to_json()}


def get_model_version(call: Call) -> dict[str, Any]:
    _, v = load_version(call, call.text("name"), call.text("version"))
    return {"model_version": v.version.to_json()}


def _edit(call: Call, change: Any) -> ModelVersion:
    name, version = call.text("name"), call.text("version")
    done: list[ModelVersion] = []

    def build() -> list[cat.Change]:
        _, v = load_version(call, name, version)
        change(v.version)
        v.version.last_updated_timestamp = cat.now_ms()
        done[:] = [v.version]
        run = run_of(call.services, v.version.run_id)
        return full_changes(
            call.services, v, run, load_logged(call.services, v.version.logged_model_id)
        )

    cat.mutate(call.services, call.ctx, build)
    return done[0]


def update_model_version(call: Call) -> dict[str, Any]:
    description = call.opt("description") or ""
    mv = _edit(call, lambda m: setattr(m, "description", description))
    return {"model_version": mv.to_json()}


def set_model_version_tag(call: Call) -> dict[str, Any]:
    key, val = call.text("key"), call.opt("value") or ""
    _edit(call, lambda m: m.tags.update({key: val}))
    return {}


def delete_model_version_tag(call: Call) -> dict[str, Any]:
    key = call.text("key")
    _edit(call, lambda m: m.tags.pop(key, None))
    return {}


def delete_model_version(call: Call) -> dict[str, Any]:
    name, version = call.text("name"), call.text("version")

    def build() -> list[cat.Change]:
        model, v = load_version(call, name, version)
        model.model.aliases = {a: n for a, n in model.model.aliases.items() if n != version}
        if model.latest == version:
            rest = [o for o in versions_of(call.services, model) if o.urn != v.urn]
            model.latest = rest[-1].version.version if rest else None
        touch(model)
        out = [
            *model_changes(call.services, model, versions_changed=True),
            Proposal(Op.DELETE_ENTITY, v.urn),
        ]
        if v.version.run_id:
            out += unregister(call.services, v.version.run_id, v.urn)
        return out

    cat.mutate(call.services, call.ctx, build)
    return {}


def transition_stage(call: Call) -> dict[str, Any]:
    name, version = call.text("name"), call.text("version")
    stage = STAGES.get(call.text("stage").lower())
    if stage is None:
        raise invalid(
            f"Invalid Model Version stage: {call.text('stage')}. Value must be one of {', '.join(STAGES.values())}."
        )
    archive = call.flag("archive_existing_versions")
    if archive and stage not in ("Staging", "Production"):
        raise invalid(
            f"Model version transition cannot archive existing model versions because '{stage}' is not an Active stage. Valid stages are Staging, Production"
        )
    moved: list[ModelVersion] = []

    def build() -> list[cat.Change]:
        model, v = load_version(call, name, version)
        movers = [(v, stage)]
        if archive:
            movers += [
                (other, "Archived")
                for other in versions_of(call.services, model, VERSION_ASPECTS)
                if other.urn != v.urn and other.version.current_stage == stage
            ]
        now = cat.now_ms()
        out: list[cat.Change] = []
        for mover, to in movers:
            before = mover.version.current_stage
            mover.version.current_stage = to
            mover.version.last_updated_timestamp = now
            event = {"kind": "stage", "version": mover.version.version, "from": before, "to": to}
            out += [state_proposal(mover, event), *state_changes(call.services, mover)]
        moved[:] = [v.version]
        return out

    cat.mutate(call.services, call.ctx, build)
    return {"model_version": moved[0].to_json()}


def get_download_uri(call: Call) -> dict[str, Any]:
    _, v = load_version(call, call.text("name"), call.text("version"))
    return {"artifact_uri": v.storage_location or v.version.source}


_STRINGS = {"name", "run_id", "source_path"}
_NUMBERS = {"version_number", "creation_timestamp", "last_updated_timestamp"}


def search_model_versions(call: Call) -> dict[str, Any]:
    size = call.integer("max_results", 10_000) or 10_000
    if not 1 <= size <= 200_000:
        raise invalid(f"Invalid value {size} for parameter 'max_results'")
    clauses = parse(call.opt("filter"), _STRINGS, _NUMBERS)
    keys = parse_order(call.items("order_by"), _STRINGS, _NUMBERS)
    found = []
    for model in live_models(call.services):
        for v in versions_of(call.services, model):
            mv = v.version.to_json(with_aliases=False)
            rec = Record(
                attrs={
                    "name": mv["name"],
                    "run_id": mv.get("run_id", ""),
                    "source_path": v.version.source,
                    "version_number": float(mv["version"]),
                    "creation_timestamp": mv["creation_timestamp"],
                    "last_updated_timestamp": mv["last_updated_timestamp"],
                    "_json": mv,
                },
                tags=dict(v.version.tags),
            )
            if all(matches(c, rec) for c in clauses):
                found.append(rec)
    ordered = order(found, [*keys, ("attr", "name", False), ("attr", "version_number", True)])
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out: dict[str, Any] = {"model_versions": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


route(router, "POST", "/model-versions/create", create_model_version)
route(router, "GET", "/model-versions/get", get_model_version)
route(router, "PATCH", "/model-versions/update", update_model_version)
route(router, "DELETE", "/model-versions/delete", delete_model_version)
route(router, "GET", "/model-versions/search", search_model_versions)
route(router, "POST", "/model-versions/transition-stage", transition_stage)
route(router, "GET", "/model-versions/get-download-uri", get_download_uri)
route(router, "POST", "/model-versions/set-tag", set_model_version_tag)
route(router, "DELETE", "/model-versions/delete-tag", delete_model_version_tag)
