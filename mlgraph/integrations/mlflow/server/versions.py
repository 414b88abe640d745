"""Model versions as catalog mlModels (`<name>_<version>`, DataHub's rule): description,
tags, group and training run in mlModelProperties; versionProperties with the
version set, version, aliases and sortId; the stage as tag `urn:li:tag:mlflow_<stage>`;
the run's dataProcessInstanceOutput points at the version. The lineage-tag policy that
guards registration runs below, in the write service, as on every door."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.logged_models import load_logged_model
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
    load_model,
    state_proposal,
    versions_of,
)
from mlgraph.integrations.mlflow.server.runs import add_outputs, load_run
from mlgraph.integrations.mlflow.server.translate import metric_text, model_version_json, run_params
from mlgraph.integrations.mlflow.urns import (
    PLATFORM_URN,
    model_version_urn,
    run_urn,
    stage_tag_urn,
    version_set_urn,
)
from mlgraph.services.proposals import Op, Proposal

router = APIRouter(route_class=MlflowRoute)


def load_version(call: Call, name: str, version: str) -> tuple[str, cat.Aspects]:
    load_model(call, name)
    return _version_of(call, name, version)


def _version_of(call: Call, name: str, version: str) -> tuple[str, cat.Aspects]:
    """A live version of a model already loaded."""
    urn = model_version_urn(name, version)
    aspects = cat.read(call.services, urn, VERSION_ASPECTS)
    if (
        not aspects
        or "mlflowModelVersion" not in aspects
        or cat.value(aspects, "status").get("removed")
    ):
        raise missing(f"Model Version (name={name}, version={version}) not found")
    return urn, aspects


def _stage_tags(aspects: cat.Aspects, stage: str) -> dict[str, Any]:
    tags = [
        t
        for t in cat.value(aspects, "globalTags").get("tags", [])
        if not t["tag"].startswith("urn:li:tag:mlflow_")
    ]
    return {"tags": [*tags, {"tag": stage_tag_urn(stage)}]}


def create_model_version(call: Call) -> dict[str, Any]:
    name, source = call.text("name"), call.text("source")
    run_id, model_id = call.opt("run_id"), call.opt("model_id")
    tags, description = call.tags(), call.opt("description")
    storage = source
    if model_id:
        logged = load_logged_model(call, model_id)
        run_id = run_id or logged.get("source_run_id")
        storage = logged.get("artifact_uri", source)
    group = load_model(call, name)
    run = load_run(call, run_id) if run_id else None
    made: list[str] = []
    fresh = [(group, run)]  # the first attempt writes from these reads; a retry reads again

    def build() -> list[Proposal]:
        (g_urn, g_aspects), loaded = (
            fresh.pop()
            if fresh
            else (load_model(call, name), load_run(call, run_id) if run_id else None)
        )
        graw = cat.value(g_aspects, "mlflowRegisteredModel")
        version = str(graw.get("next_version", 1))
        made[:] = [version]
        urn, now, actor = model_version_urn(name, version), cat.now_ms(), call.ctx.actor
        props: dict[str, Any] = {
            "name": f"{name}_{version}",
            "customProperties": tags,
            "groups": [g_urn],
            "version": {"versionTag": version},
            "created": {"time": now, "actor": actor},
            "lastModified": {"time": now, "actor": actor},
        }
        out: list[Proposal] = []
        if description:
            props["description"] = description
        if run_id and loaded:
            r_aspects = loaded[1]
            props["trainingJobs"] = [run_urn(run_id)]
            props["hyperParams"] = [
                {"name": k, "value": v} for k, v in run_params(r_aspects).items()
            ]
            metrics = cat.value(r_aspects, "mlflowRun").get("metrics", {})
            props["trainingMetrics"] = [
                {"name": k, "value": metric_text(m["value"])} for k, m in metrics.items()
            ]
            out += add_outputs(call, run_id, [], [urn], loaded)
        raw = {
            "name": name,
            "version": version,
            "creation_timestamp": now,
            "last_updated_timestamp": now,
            "user_id": actor.rsplit(":", 1)[-1],
            "source": source,
            "storage_location": storage,
            "run_id": run_id or "",
            "run_link": call.opt("run_link") or "",
            "model_id": model_id or "",
            "status": "READY",
        }
        event = {"kind": "stage", "version": version, "from": None, "to": "None"}
        graw["next_version"] = int(version) + 1
        graw["last_updated_timestamp"] = now
        return [
            *out,
            cat.upsert(
                g_urn,
                "mlflowRegisteredModel",
                graw,
                cat.version(g_aspects, "mlflowRegisteredModel"),
            ),
            cat.upsert(urn, "mlModelProperties", props),
            cat.upsert(
                urn,
                "versionProperties",
                {
                    "versionSet": version_set_urn(name),
                    "version": {"versionTag": version},
                    "aliases": [],
                    "sortId": version.zfill(10),
                },
            ),
            cat.upsert(urn, "globalTags", {"tags": [{"tag": stage_tag_urn("None")}]}),
            cat.upsert(urn, "dataPlatformInstance", {"platform": PLATFORM_URN}),
            cat.upsert(urn, "mlflowModelVersion", raw),
            cat.upsert(
                urn, "mlflowRegistryState", {"stage": "None", "aliases": [], "event": event}
            ),
            cat.upsert(version_set_urn(name), "versionSetProperties", {"latest": urn}),
        ]

    written = cat.mutate(call.services, call.ctx, build)
    urn = model_version_urn(name, made[0])
    return {"model_version": model_version_json(cat.written(None, urn, written))}


def get_model_version(call: Call) -> dict[str, Any]:
    _, aspects = load_version(call, call.text("name"), call.text("version"))
    return {"model_version": model_version_json(aspects)}


def _edit(call: Call, change: Any) -> dict[str, Any]:
    name, version = call.text("name"), call.text("version")

    def build() -> list[Proposal]:
        urn, aspects = load_version(call, name, version)
        props = cat.value(aspects, "mlModelProperties")
        change(props)
        props["lastModified"] = {"time": cat.now_ms(), "actor": call.ctx.actor}
        raw = {**cat.value(aspects, "mlflowModelVersion"), "last_updated_timestamp": cat.now_ms()}
        return [
            cat.upsert(urn, "mlModelProperties", props, cat.version(aspects, "mlModelProperties")),
            cat.upsert(urn, "mlflowModelVersion", raw, cat.version(aspects, "mlflowModelVersion")),
        ]

    cat.mutate(call.services, call.ctx, build)
    return {"model_version": model_version_json(load_version(call, name, version)[1])}


def update_model_version(call: Call) -> dict[str, Any]:
    description = call.opt("description") or ""
    return _edit(call, lambda p: p.update(description=description))


def set_model_version_tag(call: Call) -> dict[str, Any]:
    key, val = call.text("key"), call.opt("value") or ""
    _edit(call, lambda p: p.setdefault("customProperties", {}).update({key: val}))
    return {}


def delete_model_version_tag(call: Call) -> dict[str, Any]:
    key = call.text("key")
    _edit(call, lambda p: p.get("customProperties", {}).pop(key, None))
    return {}


def delete_model_version(call: Call) -> dict[str, Any]:
    name, version = call.text("name"), call.text("version")

    def build() -> list[Proposal]:
        urn, _ = load_version(call, name, version)
        g_urn, g_aspects = load_model(call, name)
        graw = cat.value(g_aspects, "mlflowRegisteredModel")
        aliases = {a: v for a, v in graw.get("aliases", {}).items() if v != version}
        graw = {**graw, "aliases": aliases, "last_updated_timestamp": cat.now_ms()}
        return [
            cat.upsert(
                g_urn,
                "mlflowRegisteredModel",
                graw,
                cat.version(g_aspects, "mlflowRegisteredModel"),
            ),
            Proposal(Op.DELETE_ENTITY, urn),
        ]

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

    read: dict[str, cat.Aspects] = {}

    def build() -> list[Proposal]:
        _, g_aspects = load_model(call, name)
        urn, aspects = _version_of(call, name, version)
        read[urn] = aspects
        out = []
        graw = cat.value(g_aspects, "mlflowRegisteredModel")
        movers = [(urn, aspects, stage)]
        if archive:
            movers += [
                (u, a, "Archived")
                for u, a in versions_of(call, name, graw)
                if u != urn and cat.value(a, "mlflowRegistryState").get("stage") == stage
            ]
        for v_urn, v_aspects, to in movers:
            before = cat.value(v_aspects, "mlflowRegistryState").get("stage", "None")
            v = cat.value(v_aspects, "mlflowModelVersion")["version"]
            event = {"kind": "stage", "version": v, "from": before, "to": to}
            raw = {
                **cat.value(v_aspects, "mlflowModelVersion"),
                "last_updated_timestamp": cat.now_ms(),
            }
            out += [
                state_proposal(v_urn, v_aspects, event, stage=to),
                cat.upsert(
                    v_urn,
                    "globalTags",
                    _stage_tags(v_aspects, to),
                    cat.version(v_aspects, "globalTags"),
                ),
                cat.upsert(
                    v_urn, "mlflowModelVersion", raw, cat.version(v_aspects, "mlflowModelVersion")
                ),
                cat.upsert(stage_tag_urn(to), "tagProperties", {"name": f"mlflow_{to.lower()}"}),
            ]
        return out

    written = cat.mutate(call.services, call.ctx, build)
    ((urn, aspects),) = read.items()
    return {"model_version": model_version_json(cat.written(aspects, urn, written))}


def get_download_uri(call: Call) -> dict[str, Any]:
    _, aspects = load_version(call, call.text("name"), call.text("version"))
    raw = cat.value(aspects, "mlflowModelVersion")
    return {"artifact_uri": raw.get("storage_location") or raw.get("source", "")}


_STRINGS = {"name", "run_id", "source_path"}
_NUMBERS = {"version_number", "creation_timestamp", "last_updated_timestamp"}


def search_model_versions(call: Call) -> dict[str, Any]:
    size = call.integer("max_results", 10_000) or 10_000
    if not 1 <= size <= 200_000:
        raise invalid(f"Invalid value {size} for parameter 'max_results'")
    clauses = parse(call.opt("filter"), _STRINGS, _NUMBERS)
    keys = parse_order(call.items("order_by"), _STRINGS, _NUMBERS)
    found = []
    cursor: str | None = None
    while True:
        rows, cursor = call.services.entities.page(
            entity_type="mlModelGroup", platform="mlflow", cursor=cursor, limit=1000
        )
        for row in rows:
            g_aspects = cat.read(call.services, row.urn, ["mlflowRegisteredModel"])
            graw = cat.value(g_aspects, "mlflowRegisteredModel")
            if not graw:
                continue
            for _, aspects in versions_of(call, graw["name"], graw):
                mv = model_version_json(aspects, with_aliases=False)
                raw = cat.value(aspects, "mlflowModelVersion")
                rec = Record(
                    attrs={
                        "name": mv["name"],
                        "run_id": mv.get("run_id", ""),
                        "source_path": raw.get("source"),
                        "version_number": float(mv["version"]),
                        "creation_timestamp": mv["creation_timestamp"],
                        "last_updated_timestamp": mv["last_updated_timestamp"],
                        "_json": mv,
                    },
                    tags={t["key"]: t["value"] for t in mv["tags"]},
                )
                if all(matches(c, rec) for c in clauses):
                    found.append(rec)
        if cursor is None:
            break
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
