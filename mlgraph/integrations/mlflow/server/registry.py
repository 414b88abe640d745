"""MLflow registered models: the model's state in `mlflowRegisteredModel` (MLflow's
RegisteredModel with its aliases, plus the next version number — versions are never
renumbered — and the latest live version; constant in size, however many versions come),
mapped to a model group (`mapping.registered_model`)
and its version set. A version's aliases are read off the model's; each stage or alias
move is a write of the version's `mlflowRegistryState`, whose history is the audit
trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow import mapping
from mlgraph.integrations.mlflow.objects import ModelVersion, RegisteredModel
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
from mlgraph.integrations.mlflow.urns import model_group_urn, model_version_urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)
GROUP_ASPECTS = (
    "mlflowRegisteredModel",
    "mlModelGroupProperties",
    "dataPlatformInstance",
    "status",
    "ownership",
)
VERSION_ASPECTS = (
    "mlflowModelVersion",
    "mlflowRegistryState",
    "mlModelProperties",
    "versionProperties",
    "globalTags",
    "dataPlatformInstance",
    "status",
    "ownership",
)
# What an alias move reads of a version: its state and what the move changes.
_ALIAS_ASPECTS = (
    "mlflowModelVersion",
    "mlflowRegistryState",
    "versionProperties",
    "globalTags",
    "status",
)
STAGES = {"none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"}
_ALIAS = re.compile(r"^[\w\-]{1,255}$")


@dataclass
class LoadedModel:
    urn: str
    model: RegisteredModel
    next_version: int
    latest: str | None  # the newest live version
    aspects: cat.Aspects = field(default_factory=dict)
    removed: bool = False

    @property
    def numbers(self) -> list[str]:
        """Every version number given so far, oldest first (deleted ones too)."""
        return [str(v) for v in range(1, self.next_version)]

    def raw(self) -> dict[str, Any]:
        return {**self.model.to_json(), "next_version": self.next_version, "latest": self.latest}


@dataclass
class LoadedVersion:
    urn: str
    version: ModelVersion
    storage_location: str
    aspects: cat.Aspects

    def raw(self) -> dict[str, Any]:
        # without aliases: they are the model's, in its state
        return {
            **self.version.to_json(with_aliases=False),
            "storage_location": self.storage_location,
        }


def model_of(urn: str, aspects: cat.Aspects | None) -> LoadedModel | None:
    raw = cat.value(aspects, "mlflowRegisteredModel")
    if not raw:
        return None
    return LoadedModel(
        urn,
        RegisteredModel.from_json(raw),
        int(raw.get("next_version", 1)),
        str(raw["latest"]) if raw.get("latest") else None,
        aspects or {},
        bool(cat.value(aspects, "status").get("removed")),
    )


def live_models(services: Services) -> Iterator[LoadedModel]:
    """Every registered model MLflow still sees, read a thousand at a time."""
    cursor: str | None = None
    while True:
        rows, cursor = services.entities.page(
            entity_type="mlModelGroup", platform="mlflow", cursor=cursor, limit=1000
        )
        models = cat.read_many(services, [r.urn for r in rows], GROUP_ASPECTS)
        for row in rows:
            loaded = model_of(row.urn, models.get(row.urn))
            if loaded is not None and not loaded.removed:
                yield loaded
        if cursor is None:
            return


def load_model(call: Call, name: str) -> LoadedModel:
    urn = model_group_urn(name)
    loaded = model_of(urn, cat.read(call.services, urn, GROUP_ASPECTS))
    if loaded is None or loaded.removed:
        raise missing(f"Registered Model with name={name} not found")
    return loaded


def version_of(
    urn: str, aspects: cat.Aspects | None, model: RegisteredModel
) -> LoadedVersion | None:
    """A live version of `model`, its aliases taken from the model's."""
    raw = cat.value(aspects, "mlflowModelVersion")
    if not raw or cat.value(aspects, "status").get("removed"):
        return None
    mv = ModelVersion.from_json(raw)
    mv.aliases = sorted(a for a, v in model.aliases.items() if v == mv.version)
    return LoadedVersion(urn, mv, str(raw.get("storage_location") or ""), aspects or {})


# What answering about a version takes (its MLflow state), and what changing one does.
STATE_ASPECTS = ("mlflowModelVersion", "status")


def versions_of(
    services: Services, loaded: LoadedModel, names: tuple[str, ...] = STATE_ASPECTS
) -> list[LoadedVersion]:
    """The live versions of a model, oldest first (read together, not one by one), with
    `names` loaded: their state by default, VERSION_ASPECTS to change them."""
    urns = [model_version_urn(loaded.model.name, v) for v in loaded.numbers]
    found = cat.read_many(services, urns, names)
    versions = (version_of(u, found.get(u), loaded.model) for u in urns)
    return [v for v in versions if v is not None]


def model_changes(
    services: Services,
    loaded: LoadedModel,
    *,
    versions_changed: bool = False,
    state_only: bool = False,
) -> list[cat.Change]:
    """The model's raw state and its group, as mapped from it; its version set too
    when its versions changed. `state_only`: a change no mapped field follows (an
    alias move), so only the raw state is written."""
    raw = cat.raw(loaded.urn, loaded.aspects, "mlflowRegisteredModel", loaded.raw())
    if state_only:
        return [raw]
    mapped = mapping.registered_model(loaded.model, loaded.latest)
    if loaded.latest and versions_changed:
        mapped += mapping.version_set(loaded.model.name, loaded.latest)
    return [raw, *cat.sync(services, mapped, {loaded.urn: loaded.aspects})]


def touch(loaded: LoadedModel) -> None:
    loaded.model.last_updated_timestamp = cat.now_ms()


def state_proposal(v: LoadedVersion, event: dict[str, Any]) -> Proposal:
    """One registry event on a version: its stage and aliases after the move, and the move."""
    mv = v.version
    state = {"stage": mv.current_stage, "aliases": sorted(mv.aliases), "event": event}
    return cat.raw(v.urn, v.aspects, "mlflowRegistryState", state)


def latest_versions(
    call: Call, loaded: LoadedModel, stages: list[str] | None = None
) -> list[dict[str, Any]]:
    """The newest live version in each stage."""
    newest: dict[str, ModelVersion] = {}
    for v in versions_of(call.services, loaded):
        newest[v.version.current_stage] = v.version
    wanted = [STAGES.get(s.lower(), s) for s in stages] if stages else list(newest)
    return [newest[s].to_json(with_aliases=False) for s in wanted if s in newest]


def _model_json(call: Call, name: str) -> dict[str, Any]:
    loaded = load_model(call, name)
    out = loaded.model.to_json()
    latest = latest_versions(call, loaded)
    if latest:
        out["latest_versions"] = latest
    return out


def create_registered_model(call: Call) -> dict[str, Any]:
    name, tags, description = call.text("name"), call.tags(), call.opt("description")
    urn = model_group_urn(name)

    def build() -> list[cat.Change]:
        aspects = cat.read(call.services, urn, GROUP_ASPECTS)
        before = model_of(urn, aspects)
        if before is not None and not before.removed:
            raise exists(f"Registered Model (name={name}) already exists.")
        now = cat.now_ms()
        loaded = LoadedModel(
            urn,
            RegisteredModel(name, description or "", now, now, call.signed_in_user or "", tags, {}),
            # a re-created model continues numbering, so old version URNs are not reused
            before.next_version if before else 1,
            None,
            aspects or {},
        )
        out = model_changes(call.services, loaded)
        return [*out, Proposal(Op.RESTORE_ENTITY, urn)] if before else out

    cat.mutate(call.services, call.ctx, build)
    return {"registered_model": _model_json(call, name)}


def get_registered_model(call: Call) -> dict[str, Any]:
    return {"registered_model": _model_json(call, call.text("name"))}


def _edit(call: Call, name: str, change: Any) -> None:
    def build() -> list[cat.Change]:
        loaded = load_model(call, name)
        change(loaded.model)
        touch(loaded)
        return model_changes(call.services, loaded)

    cat.mutate(call.services, call.ctx, build)


def update_registered_model(call: Call) -> dict[str, Any]:
    name, description = call.text("name"), call.opt("description")
    _edit(call, name, lambda m: setattr(m, "description", description or ""))
    return {"registered_model": _model_json(call, name)}


def delete_registered_model(call: Call) -> dict[str, Any]:
    """A soft delete in the catalog (history kept for audit); gone for MLflow."""
    name = call.text("name")

    def build() -> list[cat.Change]:
        loaded = load_model(call, name)
        out = [Proposal(Op.DELETE_ENTITY, v.urn) for v in versions_of(call.services, loaded)]
        loaded.model.aliases = {}
        touch(loaded)
        raw = cat.raw(loaded.urn, loaded.aspects, "mlflowRegisteredModel", loaded.raw())
        return [*out, raw, Proposal(Op.DELETE_ENTITY, loaded.urn)]

    cat.mutate(call.services, call.ctx, build)
    return {}


def rename_registered_model(call: Call) -> dict[str, Any]:
    # Group and version URNs are keyed by name (DataHub's rule); a rename would move
    # every version to new URNs. Refused rather than half done.
    call.text("name")
    raise invalid("Renaming registered models is not supported by this server yet.")


def search_registered_models(call: Call) -> dict[str, Any]:
    size = call.integer("max_results", 100) or 100
    if not 1 <= size <= 1000:
        raise invalid(f"Invalid value {size} for parameter 'max_results'")
    clauses = parse(call.opt("filter"), {"name"}, set())
    keys = parse_order(
        call.items("order_by"),
        {"name"},
        {"creation_timestamp", "last_updated_timestamp", "timestamp"},
    )
    keys = [(k, "creation_timestamp" if n == "timestamp" else n, d) for k, n, d in keys]
    found = []
    for loaded in live_models(call.services):
        rm = loaded.model.to_json()
        rec = Record(
            attrs={k: rm.get(k) for k in ("name", "creation_timestamp", "last_updated_timestamp")},
            tags=dict(loaded.model.tags),
        )
        # a missing tag is "not equal" (the client adds `tag.mlflow.prompt.is_prompt != 'true'`)
        if all(
            matches(c, rec) or (c.kind == "tag" and c.op == "!=" and c.key not in rec.tags)
            for c in clauses
        ):
            latest = latest_versions(call, loaded)
            if latest:
                rm["latest_versions"] = latest
            rec.attrs["_json"] = rm
            found.append(rec)
    chunk, nxt = page(order(found, [*keys, ("attr", "name", False)]), call.opt("page_token"), size)
    out: dict[str, Any] = {"registered_models": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


def get_latest_versions(call: Call) -> dict[str, Any]:
    loaded = load_model(call, call.text("name"))
    stages = [str(s) for s in call.items("stages")]
    return {"model_versions": latest_versions(call, loaded, stages)}


def _model_tag(call: Call, key: str, val: str | None) -> dict[str, Any]:
    def change(model: RegisteredModel) -> None:
        if val is None:
            model.tags.pop(key, None)
        else:
            model.tags[key] = val

    _edit(call, call.text("name"), change)
    return {}


def set_registered_model_tag(call: Call) -> dict[str, Any]:
    return _model_tag(call, call.text("key"), call.opt("value") or "")


def delete_registered_model_tag(call: Call) -> dict[str, Any]:
    return _model_tag(call, call.text("key"), None)


def _alias_name(call: Call) -> str:
    alias = call.text("alias")
    if not _ALIAS.match(alias) or alias.lower() == "latest" or re.fullmatch(r"[vV]\d+", alias):
        raise invalid(
            f"Invalid alias name: '{alias}'. Aliases may contain letters, digits, '_' and '-', and cannot be 'latest' or 'v<number>'."
        )
    return alias


def _move_alias(call: Call, name: str, alias: str, target: str | None) -> None:
    """Point `alias` at version `target` (None: remove it), recording the move."""

    def build() -> list[cat.Change]:
        loaded = load_model(call, name)
        before = loaded.model.aliases.get(alias)
        moved = {v: model_version_urn(name, v) for v in {before, target} - {None} if v}
        found = cat.read_many(call.services, list(moved.values()), _ALIAS_ASPECTS)
        held = {v: version_of(urn, found.get(urn), loaded.model) for v, urn in moved.items()}
        if target is not None:
            if held.get(target) is None:
                raise missing(f"Model Version (name={name}, version={target}) not found")
            loaded.model.aliases[alias] = target
        elif before is None:
            return []
        else:
            del loaded.model.aliases[alias]
        touch(loaded)
        event = {"kind": "alias", "alias": alias, "from": before, "to": target}
        out = model_changes(call.services, loaded, state_only=True)
        for v, version in held.items():
            if version is None:
                continue
            names = set(version.version.aliases)
            version.version.aliases = sorted(names | {alias} if v == target else names - {alias})
            out += [
                state_proposal(version, {**event, "version": v}),
                *cat.sync(
                    call.services,
                    mapping.version_state(version.version),
                    {version.urn: version.aspects},
                ),
            ]
        return out

    cat.mutate(call.services, call.ctx, build)


def set_alias(call: Call) -> dict[str, Any]:
    _move_alias(call, call.text("name"), _alias_name(call), call.text("version"))
    return {}


def delete_alias(call: Call) -> dict[str, Any]:
    _move_alias(call, call.text("name"), call.text("alias"), None)
    return {}


def get_by_alias(call: Call) -> dict[str, Any]:
    name, alias = call.text("name"), call.text("alias")
    loaded = load_model(call, name)
    target = loaded.model.aliases.get(alias)
    if target is None:
        raise missing(f"Registered model alias {alias} not found.")
    urn = model_version_urn(name, target)
    found = version_of(urn, cat.read(call.services, urn, STATE_ASPECTS), loaded.model)
    if found is None:
        raise missing(f"Registered model alias {alias} not found.")
    return {"model_version": found.version.to_json()}


route(router, "POST", "/registered-models/create", create_registered_model)
route(router, "GET", "/registered-models/get", get_registered_model)
route(router, "POST", "/registered-models/rename", rename_registered_model)
route(router, "PATCH", "/registered-models/update", update_registered_model)
route(router, "DELETE", "/registered-models/delete", delete_registered_model)
route(router, "GET", "/registered-models/search", search_registered_models)
route(router, "GET,POST", "/registered-models/get-latest-versions", get_latest_versions)
route(router, "POST", "/registered-models/set-tag", set_registered_model_tag)
route(router, "DELETE", "/registered-models/delete-tag", delete_registered_model_tag)
route(router, "POST", "/registered-models/alias", set_alias)
route(router, "DELETE", "/registered-models/alias", delete_alias)
route(router, "GET", "/registered-models/alias", get_by_alias)
