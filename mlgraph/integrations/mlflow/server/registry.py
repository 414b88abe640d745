"""Registered models as catalog mlModelGroups (platform mlflow): description and tags in
mlModelGroupProperties, creation time, user, aliases and the version counter in the
raw `mlflowRegisteredModel`. Aliases also live on each version's versionProperties
and `mlflowRegistryState`, whose history is the registry audit trail."""

from __future__ import annotations

import re
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
from mlgraph.integrations.mlflow.server.translate import model_version_json, registered_model_json
from mlgraph.integrations.mlflow.urns import PLATFORM_URN, model_group_urn, model_version_urn
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)
GROUP_ASPECTS = ("mlModelGroupProperties", "mlflowRegisteredModel", "status")
VERSION_ASPECTS = (
    "mlModelProperties",
    "versionProperties",
    "globalTags",
    "mlflowModelVersion",
    "mlflowRegistryState",
    "status",
)
# what a version's liveness and stage are read from (`latest_versions`, alias moves)
_STATE_ASPECTS = ("mlflowModelVersion", "mlflowRegistryState", "status")
_ALIAS_ASPECTS = (*_STATE_ASPECTS, "versionProperties")
STAGES = {"none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"}
_ALIAS = re.compile(r"^[\w\-]{1,255}$")


def load_model(call: Call, name: str) -> tuple[str, cat.Aspects]:
    urn = model_group_urn(name)
    aspects = cat.read(call.services, urn, GROUP_ASPECTS)
    if (
        not aspects
        or "mlflowRegisteredModel" not in aspects
        or cat.value(aspects, "status").get("removed")
    ):
        raise missing(f"Registered Model with name={name} not found")
    return urn, aspects


def versions_of(call: Call, name: str, raw: dict[str, Any]) -> list[tuple[str, cat.Aspects]]:
    """Live versions of a model, oldest first (read together, not one by one)."""
    urns = [model_version_urn(name, v) for v in range(1, int(raw.get("next_version", 1)))]
    found = cat.read_many(call.services, urns, VERSION_ASPECTS)
    return [(urn, found[urn]) for urn in urns if _live(found.get(urn))]


def _live(aspects: cat.Aspects | None) -> bool:
    return bool(
        aspects
        and "mlflowModelVersion" in aspects
        and not cat.value(aspects, "status").get("removed")
    )


def latest_versions(
    call: Call, name: str, raw: dict[str, Any], stages: list[str] | None = None
) -> list[dict[str, Any]]:
    """The newest live version in each stage. Every version's stage is read first,
    then only the chosen versions in full (at most one per stage)."""
    urns = [model_version_urn(name, v) for v in range(1, int(raw.get("next_version", 1)))]
    states = call.services.entities.latest_values(urns, list(_STATE_ASPECTS))
    newest: dict[str, str] = {}
    for urn in urns:
        v = states.get(urn, {})
        if "mlflowModelVersion" in v and not v.get("status", {}).get("removed"):
            newest[v.get("mlflowRegistryState", {}).get("stage", "None")] = urn
    wanted = [STAGES.get(s.lower(), s) for s in stages] if stages else list(newest)
    chosen = [newest[s] for s in wanted if s in newest]
    found = cat.read_many(call.services, chosen, VERSION_ASPECTS)
    return [model_version_json(found[u], with_aliases=False) for u in chosen if _live(found.get(u))]


def state_proposal(
    urn: str, aspects: cat.Aspects, event: dict[str, Any], **changes: Any
) -> Proposal:
    """One registry event on a version: its state after the move, and the move."""
    state = {**cat.value(aspects, "mlflowRegistryState"), **changes, "event": event}
    return cat.upsert(
        urn, "mlflowRegistryState", state, cat.version(aspects, "mlflowRegistryState")
    )


def _touch(urn: str, aspects: cat.Aspects, **changes: Any) -> Proposal:
    raw = {
        **cat.value(aspects, "mlflowRegisteredModel"),
        **changes,
        "last_updated_timestamp": cat.now_ms(),
    }
    return cat.upsert(
        urn, "mlflowRegisteredModel", raw, cat.version(aspects, "mlflowRegisteredModel")
    )


def _model_json(call: Call, name: str) -> dict[str, Any]:
    _, aspects = load_model(call, name)
    raw = cat.value(aspects, "mlflowRegisteredModel")
    return registered_model_json(aspects, latest_versions(call, name, raw))


def create_registered_model(call: Call) -> dict[str, Any]:
    name, tags, description = call.text("name"), call.tags(), call.opt("description")
    urn = model_group_urn(name)

    def build() -> list[Proposal]:
        aspects = cat.read(call.services, urn, GROUP_ASPECTS)
        removed = bool(cat.value(aspects, "status").get("removed"))
        if aspects and "mlflowRegisteredModel" in aspects and not removed:
            raise exists(f"Registered Model (name={name}) already exists.")
        now = cat.now_ms()
        props: dict[str, Any] = {
            "name": name,
            "customProperties": tags,
            "createdAt": now,
            "created": {"time": now, "actor": call.ctx.actor},
            "lastModified": {"time": now, "actor": call.ctx.actor},
        }
        if description:
            props["description"] = description
        raw = {
            "name": name,
            "creation_timestamp": now,
            "last_updated_timestamp": now,
            "user_id": call.ctx.actor.rsplit(":", 1)[-1],
            "aliases": {},
            # a re-created model continues numbering, so old version URNs are not reused
            "next_version": int(cat.value(aspects, "mlflowRegisteredModel").get("next_version", 1)),
        }
        out = [
            cat.upsert(urn, "mlModelGroupProperties", props),
            cat.upsert(urn, "dataPlatformInstance", {"platform": PLATFORM_URN}),
            cat.upsert(
                urn, "mlflowRegisteredModel", raw, cat.version(aspects, "mlflowRegisteredModel")
            ),
        ]
        return [*out, Proposal(Op.RESTORE_ENTITY, urn)] if removed else out

    cat.mutate(call.services, call.ctx, build)
    return {"registered_model": _model_json(call, name)}


def get_registered_model(call: Call) -> dict[str, Any]:
    return {"registered_model": _model_json(call, call.text("name"))}


def update_registered_model(call: Call) -> dict[str, Any]:
    name, description = call.text("name"), call.opt("description")

    def build() -> list[Proposal]:
        urn, aspects = load_model(call, name)
        props = cat.value(aspects, "mlModelGroupProperties")
        props["description"] = description or ""
        props["lastModified"] = {"time": cat.now_ms(), "actor": call.ctx.actor}
        pinned = cat.upsert(
            urn, "mlModelGroupProperties", props, cat.version(aspects, "mlModelGroupProperties")
        )
        return [pinned, _touch(urn, aspects)]

    cat.mutate(call.services, call.ctx, build)
    return {"registered_model": _model_json(call, name)}


def delete_registered_model(call: Call) -> dict[str, Any]:
    """A soft delete in the catalog (history kept for audit); gone for MLflow."""
    name = call.text("name")

    def build() -> list[Proposal]:
        urn, aspects = load_model(call, name)
        raw = cat.value(aspects, "mlflowRegisteredModel")
        out = [Proposal(Op.DELETE_ENTITY, u) for u, _ in versions_of(call, name, raw)]
        return [*out, _touch(urn, aspects, aliases={}), Proposal(Op.DELETE_ENTITY, urn)]

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
    cursor: str | None = None
    while True:
        rows, cursor = call.services.entities.page(
            entity_type="mlModelGroup", platform="mlflow", cursor=cursor, limit=1000
        )
        for row in rows:
            aspects = cat.read(call.services, row.urn, GROUP_ASPECTS)
            if not aspects or "mlflowRegisteredModel" not in aspects:
                continue
            raw = cat.value(aspects, "mlflowRegisteredModel")
            rm = registered_model_json(aspects)
            rec = Record(
                attrs={
                    k: rm.get(k) for k in ("name", "creation_timestamp", "last_updated_timestamp")
                },
                tags={t["key"]: t["value"] for t in rm["tags"]},
            )
            # a missing tag is "not equal" (the client adds `tag.mlflow.prompt.is_prompt != 'true'`)
            if all(
                matches(c, rec) or (c.kind == "tag" and c.op == "!=" and c.key not in rec.tags)
                for c in clauses
            ):
                rm["latest_versions"] = latest_versions(call, raw["name"], raw)
                rec.attrs["_json"] = rm
                found.append(rec)
        if cursor is None:
            break
    chunk, nxt = page(order(found, [*keys, ("attr", "name", False)]), call.opt("page_token"), size)
    out: dict[str, Any] = {"registered_models": [r.attrs["_json"] for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


def get_latest_versions(call: Call) -> dict[str, Any]:
    name = call.text("name")
    _, aspects = load_model(call, name)
    stages = [str(s) for s in call.items("stages")]
    return {
        "model_versions": latest_versions(
            call, name, cat.value(aspects, "mlflowRegisteredModel"), stages
        )
    }


def _model_tag(call: Call, key: str, val: str | None) -> dict[str, Any]:
    name = call.text("name")

    def build() -> list[Proposal]:
        urn, aspects = load_model(call, name)
        props = cat.value(aspects, "mlModelGroupProperties")
        tags = dict(props.get("customProperties", {}))
        if val is None:
            tags.pop(key, None)
        else:
            tags[key] = val
        props["customProperties"] = tags
        return [
            cat.upsert(
                urn, "mlModelGroupProperties", props, cat.version(aspects, "mlModelGroupProperties")
            ),
            _touch(urn, aspects),
        ]

    cat.mutate(call.services, call.ctx, build)
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


def _with_alias(
    aspects: cat.Aspects, urn: str, aliases: list[str], event: dict[str, Any]
) -> list[Proposal]:
    vp = cat.value(aspects, "versionProperties")
    vp["aliases"] = [{"versionTag": a} for a in sorted(aliases)]
    return [
        cat.upsert(urn, "versionProperties", vp, cat.version(aspects, "versionProperties")),
        state_proposal(urn, aspects, event, aliases=sorted(aliases)),
    ]


def _move_alias(call: Call, name: str, alias: str, target: str | None) -> None:
    """Point `alias` at version `target` (None: remove it), recording the move."""

    def build() -> list[Proposal]:
        urn, aspects = load_model(call, name)
        raw = cat.value(aspects, "mlflowRegisteredModel")
        aliases = dict(raw.get("aliases", {}))
        before = aliases.get(alias)
        moved = {str(v): model_version_urn(name, str(v)) for v in {before, target} - {None}}
        found = cat.read_many(call.services, list(moved.values()), _ALIAS_ASPECTS)
        held = {v: found.get(v_urn, {}) for v, v_urn in moved.items()}
        if target is not None:
            if not _live(held[target]):
                raise missing(f"Model Version (name={name}, version={target}) not found")
            aliases[alias] = target
        elif before is None:
            return []
        else:
            del aliases[alias]
        event = {"kind": "alias", "alias": alias, "from": before, "to": target}
        out = [_touch(urn, aspects, aliases=aliases)]
        for v, v_aspects in held.items():
            names = set(cat.value(v_aspects, "mlflowRegistryState").get("aliases", []))
            names = names | {alias} if v == target else names - {alias}
            v_urn = model_version_urn(name, v)
            out += _with_alias(v_aspects, v_urn, list(names), {**event, "version": v})
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
    _, aspects = load_model(call, name)
    target = cat.value(aspects, "mlflowRegisteredModel").get("aliases", {}).get(alias)
    if target is None:
        raise missing(f"Registered model alias {alias} not found.")
    v_aspects = cat.read(call.services, model_version_urn(name, target), VERSION_ASPECTS) or {}
    return {"model_version": model_version_json(v_aspects)}


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
