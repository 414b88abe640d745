"""runs/search: MLflow's runs filter grammar, order_by and page tokens.

Candidates are the runs of the asked experiments (their `IsPartOf` edges). For the
active view, param/metric/tag clauses go to the catalog's search index
(entity_properties, the same one `/api/v1/search` uses); run attributes, dataset
clauses and the deleted view are checked on the loaded runs."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter

from mlgraph.compat.mlflow import catalog as cat
from mlgraph.compat.mlflow.errors import MlflowRoute, invalid
from mlgraph.compat.mlflow.experiments import load as load_experiment
from mlgraph.compat.mlflow.messages import Call, route
from mlgraph.compat.mlflow.query import Record, matches, order, page, parse, parse_order
from mlgraph.compat.mlflow.runs import ASPECTS
from mlgraph.compat.mlflow.translate import run_json, run_params, run_tags
from mlgraph.store.search_store import SearchSpec

router = APIRouter(route_class=MlflowRoute)
STRINGS = {"run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage"}
NUMBERS = {"start_time", "end_time"}
_INDEXED = {"param", "metric", "tag"}
_MAX = 50_000
_EXPERIMENT_REPR = re.compile(r"^<Experiment: .*\bexperiment_id='([^']*)'")


def _indexed(call: Call, clauses: list[Any]) -> set[str]:
    """URNs of live runs matching every param/metric/tag clause, from the index."""
    spec = SearchSpec(
        clauses=clauses,
        facet_filters={"type": ["dataProcessInstance"]},
        sort="name",
        limit=_MAX + 1,
        facets=False,
    )
    rows = call.services.search.store.search(spec).rows
    return {r["urn"] for r in rows}


def _experiment_id(raw: str) -> str:
    """An id; or, leniently, the id inside `str(Experiment)`, which is what the client
    sends when given Experiment objects (as seed 004 does with search_experiments())."""
    m = _EXPERIMENT_REPR.match(raw)
    return m.group(1) if m else raw


def search_runs(call: Call) -> dict[str, Any]:
    view = (call.opt("run_view_type") or "ACTIVE_ONLY").upper()
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise invalid(f"Invalid run_view_type '{view}'")
    size = call.integer("max_results", 1000) or 1000
    if not 1 <= size <= _MAX:
        raise invalid(
            f"Invalid value {size} for parameter 'max_results': supplied value must be at most {_MAX}"
        )
    clauses = parse(call.opt("filter"), STRINGS, NUMBERS)
    keys = parse_order(call.items("order_by"), STRINGS, NUMBERS)
    exp_ids = [_experiment_id(str(e)) for e in call.items("experiment_ids")]
    candidates: list[str] = []
    for exp_id in exp_ids:
        exp_urn, _ = load_experiment(call, exp_id)
        rels = call.services.entities.relationships(
            exp_urn, direction="incoming", types=["IsPartOf"]
        )
        candidates += [r["urn"] for r in rels if r["urn"].startswith("urn:li:dataProcessInstance:")]
    indexed = [c for c in clauses if c.kind in _INDEXED]
    if indexed and view == "ACTIVE_ONLY" and candidates:
        allowed = _indexed(call, indexed)
        candidates = [u for u in candidates if u in allowed]
        clauses = [c for c in clauses if c.kind not in _INDEXED]
    records = []
    found = cat.read_many(call.services, list(dict.fromkeys(candidates)), ASPECTS)
    for urn in dict.fromkeys(candidates):
        aspects = found.get(urn)
        if not aspects or "mlflowRun" not in aspects:
            continue
        raw = cat.value(aspects, "mlflowRun")
        stage = raw.get("lifecycle_stage", "active")
        if view != "ALL" and (stage == "deleted") != (view == "DELETED_ONLY"):
            continue
        rec = Record(
            attrs={
                "run_id": raw["run_id"],
                "run_name": cat.value(aspects, "dataProcessInstanceProperties").get("name"),
                "status": raw.get("status"),
                "user_id": raw.get("user_id"),
                "artifact_uri": raw.get("artifact_uri"),
                "lifecycle_stage": stage,
                "start_time": raw.get("start_time"),
                "end_time": raw.get("end_time"),
            },
            params=run_params(aspects),
            metrics={k: m["value"] for k, m in raw.get("metrics", {}).items()},
            tags=run_tags(aspects),
            datasets=[
                {
                    "name": i["dataset"].get("name"),
                    "digest": i["dataset"].get("digest"),
                    "context": next(
                        (
                            t.get("value")
                            for t in i.get("tags", [])
                            if t.get("key") == "mlflow.data.context"
                        ),
                        None,
                    ),
                }
                for i in raw.get("inputs", [])
            ],
        )
        if all(matches(c, rec) for c in clauses):
            rec.attrs["_aspects"] = aspects
            records.append(rec)
    ordered = order(records, [*keys, ("attr", "start_time", True), ("attr", "run_id", False)])
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out: dict[str, Any] = {"runs": [run_json(r.attrs["_aspects"]) for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


route(router, "POST", "/runs/search", search_runs)
