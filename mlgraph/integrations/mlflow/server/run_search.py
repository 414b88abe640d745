"""runs/search: MLflow's runs filter grammar, order_by and page tokens.

Candidates are the runs of the asked experiments (their `IsPartOf` edges). For the
active view, filters on params, metrics, tags and run attributes, the order and the
page are one SQL query (`MemberStore`) over the catalog's search index
(entity_properties, the same one `/api/v1/search` uses) and the runs' `mlflowRun`
JSON; only the page's runs are then read. Dataset clauses, LIKE on attributes and
the deleted views are checked on loaded runs instead."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter

from mlgraph.integrations.mlflow.objects import Run
from mlgraph.integrations.mlflow.server import catalog as cat
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid
from mlgraph.integrations.mlflow.server.experiments import STATE as EXPERIMENT_STATE
from mlgraph.integrations.mlflow.server.experiments import load as load_experiment
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.query import (
    Record,
    make_token,
    matches,
    order,
    page,
    parse,
    parse_order,
    token_offset,
)
from mlgraph.integrations.mlflow.urns import run_urn
from mlgraph.model.query import Clause, Condition, MemberQuery, Sort, Value

router = APIRouter(route_class=MlflowRoute)
STRINGS = {"run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage"}
NUMBERS = {"start_time", "end_time"}
_INDEXED = {"param", "metric", "tag"}
_MAX = 50_000
_EXPERIMENT_REPR = re.compile(r"^<Experiment: .*\bexperiment_id='([^']*)'")
# Where each searchable value of a run lives in the catalog.
_PROPERTY_ASPECT = {
    "param": "mlTrainingRunProperties",
    "metric": "mlTrainingRunProperties",
    "tag": "dataProcessInstanceProperties",
}
_SQL_ATTR_OPS = {"=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN"}
_SQL_PROPERTY_OPS = {"=", "!=", ">", ">=", "<", "<=", "IS NULL", "IS NOT NULL"}


def _value(kind: str, key: str) -> Value:
    if kind in _PROPERTY_ASPECT:
        return Value(kind, _PROPERTY_ASPECT[kind], key)
    return Value("field", "mlflowRun", key, numeric=key in NUMBERS)


def _sql_query(
    exp_urns: list[str], clauses: list[Clause], keys: list[tuple[str, str, bool]]
) -> MemberQuery | None:
    """The active-view search as one SQL query, or None when a clause needs the
    loaded runs (datasets, LIKE / ILIKE on attributes)."""
    conditions: list[Condition] = []
    only: list[str] | None = None
    for c in clauses:
        if c.kind == "attr" and c.key == "run_id" and c.op in ("=", "IN"):
            ids = [c.value] if c.op == "=" else list(c.value)
            urns = {run_urn(i) for i in ids}
            only = [u for u in only if u in urns] if only is not None else sorted(urns)
        elif c.kind == "attr" and c.op in _SQL_ATTR_OPS:
            conditions.append(Condition(_value("attr", c.key), c.op, c.value))
        elif c.kind in _PROPERTY_ASPECT and c.op in _SQL_PROPERTY_OPS:
            conditions.append(Condition(_value(c.kind, c.key), c.op, c.value))
        else:
            return None
    sorts = [Sort(_value(kind, key), desc) for kind, key, desc in keys]
    if ("attr", "start_time") not in {(k, n) for k, n, _ in keys}:
        sorts.append(Sort(_value("attr", "start_time"), descending=True))
    sorts.append(Sort(_value("attr", "run_id")))
    return MemberQuery(
        containers=exp_urns,
        rel="IsPartOf",
        entity_type="dataProcessInstance",
        required_aspect="mlflowRun",
        conditions=conditions,
        only=only,
        sorts=sorts,
    )


def _indexed(call: Call, clauses: list[Any]) -> set[str]:
    """URNs of live runs matching every param/metric/tag clause, from the index."""
    return call.services.search.matching(clauses, "dataProcessInstance", _MAX + 1)


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
    exp_urns = [load_experiment(call, exp_id, EXPERIMENT_STATE)[0] for exp_id in exp_ids]
    query = _sql_query(exp_urns, clauses, keys) if view == "ACTIVE_ONLY" else None
    if query is not None:
        query.offset, query.limit = token_offset(call.opt("page_token")), size + 1
        urns = call.services.search.members(query) if exp_urns else []
        found = call.services.entities.latest_values(urns[:size], ["mlflowRun"])
        out: dict[str, Any] = {
            "runs": [
                Run.from_raw(found[u]["mlflowRun"]).to_json()
                for u in urns[:size]
                if "mlflowRun" in found.get(u, {})
            ]
        }
        if len(urns) > size:
            out["next_page_token"] = make_token(query.offset + size)
        return out
    candidates: list[str] = []
    for exp_urn in exp_urns:
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
    found = cat.read_many(call.services, list(dict.fromkeys(candidates)), ["mlflowRun"])
    for urn in dict.fromkeys(candidates):
        raw = cat.value(found.get(urn), "mlflowRun")
        if not raw:
            continue
        run = Run.from_raw(raw)
        if view != "ALL" and run.deleted != (view == "DELETED_ONLY"):
            continue
        rec = Record(
            attrs={
                "run_id": run.run_id,
                "run_name": run.run_name,
                "status": run.status,
                "user_id": run.user_id,
                "artifact_uri": run.artifact_uri,
                "lifecycle_stage": run.lifecycle_stage,
                "start_time": run.start_time,
                "end_time": run.end_time,
            },
            params=dict(run.params),
            metrics={k: m.value for k, m in run.metrics.items()},
            tags=dict(run.tags),
            datasets=[
                {"name": i.name, "digest": i.digest, "context": i.tags.get("mlflow.data.context")}
                for i in run.inputs
            ],
        )
        if all(matches(c, rec) for c in clauses):
            rec.attrs["_run"] = run
            records.append(rec)
    ordered = order(records, [*keys, ("attr", "start_time", True), ("attr", "run_id", False)])
    chunk, nxt = page(ordered, call.opt("page_token"), size)
    out = {"runs": [r.attrs["_run"].to_json() for r in chunk]}
    if nxt:
        out["next_page_token"] = nxt
    return out


route(router, "POST", "/runs/search", search_runs)
