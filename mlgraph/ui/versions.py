"""The two comparison tables: a model group's versions (version, algorithm, training
data, key metrics, deployed, date, aliases/stage) and an experiment's runs (params
and metrics as columns), each with the series its chart plots."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import NotFound
from mlgraph.runtime import Services
from mlgraph.services.entities import EntityView
from mlgraph.ui.cards import pairs
from mlgraph.ui.header import display_name, value_of

MAX_ROWS = 500  # versions or runs read for one page


def number(value: Any) -> float | None:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return n if math.isfinite(n) else None


def _natural(text: str) -> tuple[Any, ...]:
    """`2.10` after `2.9`: digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _members(services: Services, urn: str, rel: str) -> list[str]:
    rels = services.entities.relationships(urn, direction="incoming", types=[rel])
    return sorted({r["urn"] for r in rels})[:MAX_ROWS]


def _get(services: Services, urn: str) -> EntityView | None:
    try:
        return services.entities.get(urn)
    except NotFound:  # referenced, not (or no longer) in the catalog
        return None


@dataclass
class VersionRow:
    urn: str
    name: str
    version: str
    algorithm: str | None
    training_data: list[str]
    metrics: dict[str, Any]
    deployments: list[str]
    created: int | None
    aliases: list[str]
    stage: str | None
    sort_key: tuple[Any, ...] = ()


@dataclass
class Table:
    rows: list[Any]
    metric_names: list[str]
    param_names: list[str] = field(default_factory=list)

    def chart(self, label: str, kind: str) -> dict[str, Any]:
        """{kind, labels, series: {metric: [value or null]}} for the chart script."""
        return {
            "kind": kind,
            "labels": [getattr(r, label) for r in self.rows],
            "series": {m: [number(r.metrics.get(m)) for r in self.rows] for m in self.metric_names},
        }


def _run_created(view: EntityView | None) -> int | None:
    if view is None:
        return None
    created = value_of(view, "dataProcessInstanceProperties").get("created") or {}
    return created.get("time")


def model_versions(services: Services, group_urn: str) -> Table:
    rows: list[VersionRow] = []
    metric_names: dict[str, None] = {}
    for urn in _members(services, group_urn, "MemberOf"):
        model = _get(services, urn)
        if model is None:
            continue
        props = value_of(model, "mlModelProperties")
        vp = value_of(model, "versionProperties")
        runs = [r for r in (_get(services, u) for u in props.get("trainingJobs") or []) if r]
        data = [
            d["dataset"] for d in value_of(model, "mlModelTrainingData").get("trainingData", [])
        ]
        for run in runs:
            data += value_of(run, "dataProcessInstanceInput").get("inputs") or []
        metrics = dict(pairs(props.get("trainingMetrics")))
        metric_names.update(dict.fromkeys(metrics))
        version = (vp.get("version") or {}).get("versionTag") or model.row.name
        created = (props.get("created") or {}).get("time") or next(
            (t for t in map(_run_created, runs) if t), None
        )
        rows.append(
            VersionRow(
                urn=urn,
                name=display_name(model),
                version=str(version),
                algorithm=props.get("type") or value_of(model, "mlModelDetails").get("algorithm"),
                training_data=list(dict.fromkeys(data)),
                metrics=metrics,
                deployments=list(props.get("deployments") or []),
                created=created or model.row.created_at,
                aliases=[a["versionTag"] for a in vp.get("aliases", []) if a.get("versionTag")],
                stage=(props.get("customProperties") or {}).get("stage"),
                sort_key=_natural(str(vp.get("sortId") or version)),
            )
        )
    rows.sort(key=lambda r: r.sort_key)
    return Table(rows, list(metric_names))


@dataclass
class RunRow:
    urn: str
    name: str
    status: str | None
    started: int | None
    duration_ms: int | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    outputs: list[str]


def experiment_runs(services: Services, experiment_urn: str) -> Table:
    rows: list[RunRow] = []
    params: dict[str, None] = {}
    metrics: dict[str, None] = {}
    for urn in _members(services, experiment_urn, "IsPartOf"):
        run = _get(services, urn)
        if run is None:
            continue
        training = value_of(run, "mlTrainingRunProperties")
        event = value_of(run, "dataProcessInstanceRunEvent")
        p = dict(pairs(training.get("hyperParams")))
        m = dict(pairs(training.get("trainingMetrics")))
        params.update(dict.fromkeys(p))
        metrics.update(dict.fromkeys(m))
        rows.append(
            RunRow(
                urn=urn,
                name=display_name(run),
                status=(event.get("result") or {}).get("type") or event.get("status"),
                started=_run_created(run),
                duration_ms=event.get("durationMillis"),
                params=p,
                metrics=m,
                outputs=list(value_of(run, "dataProcessInstanceOutput").get("outputs") or []),
            )
        )
    rows.sort(key=lambda r: (r.started or 0, r.name))
    return Table(rows, list(metrics), list(params))
