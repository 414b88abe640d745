"""Lineage diff: why does model B behave differently from model A? Compare what went
into each — upstream datasets and their versions, features, hyperparameters, metrics,
source code and commit, training-run parameters — and where each is deployed."""

from __future__ import annotations

import re
from typing import Any

import orjson

from mlgraph.errors import InvalidInput
from mlgraph.model.registry import parse_urn
from mlgraph.services.provenance import ProvenanceService
from mlgraph.store.aspect_store import AspectStore

# orders_v2.1, users-v3, model_2 -> the stem that pairs two versions of one dataset
_VERSIONED = re.compile(r"^(?P<stem>.*?)[_\-.]?v?\d+(?:\.\d+)*$")


def _stem(name: str) -> str:
    m = _VERSIONED.match(name)
    return m.group("stem") if m and m.group("stem") else name


def _pairs(name_value: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {p["name"]: p.get("value") for p in name_value or []}


def _compare_maps(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in sorted(a.keys() | b.keys()):
        va, vb = a.get(key), b.get(key)
        out.append({"name": key, "a": va, "b": vb, "changed": va != vb})
    return out


def _compare_sets(a: set[str], b: set[str]) -> dict[str, list[str]]:
    return {"only_a": sorted(a - b), "only_b": sorted(b - a), "common": sorted(a & b)}


class ComparisonService:
    def __init__(self, store: AspectStore, provenance: ProvenanceService) -> None:
        self.store = store
        self.provenance = provenance

    def _model(self, urn: str) -> dict[str, Any]:
        _, spec, _ = parse_urn(urn)
        if spec.name != "mlModel":
            raise InvalidInput(f"lineage diff compares two mlModels; {urn} is a {spec.name}")
        data = self.provenance.training_data(urn)
        runs = data["training_runs"]
        raw = self.store.latest_many(
            [urn, *runs],
            [
                "mlModelProperties",
                "sourceCode",
                "mlTrainingRunProperties",
                "dataProcessInstanceProperties",
            ],
        )
        asp = {u: {k: orjson.loads(v) for k, v in d.items()} for u, d in raw.items()}
        props = asp.get(urn, {}).get("mlModelProperties", {})
        run_params: dict[str, Any] = {}
        run_props: dict[str, Any] = {}
        for run in runs:
            run_params.update(
                _pairs(asp.get(run, {}).get("mlTrainingRunProperties", {}).get("hyperParams"))
            )
            run_props.update(
                asp.get(run, {})
                .get("dataProcessInstanceProperties", {})
                .get("customProperties", {})
            )
            run_props.update(
                asp.get(run, {}).get("mlTrainingRunProperties", {}).get("customProperties", {})
            )
        return {
            "datasets": {d["urn"]: d for d in data["training_datasets"]},
            "hyperparameters": {**run_params, **_pairs(props.get("hyperParams"))},
            "metrics": _pairs(props.get("trainingMetrics")),
            "features": set(props.get("mlFeatures") or []),
            "source_code": {
                s["sourceCodeUrl"]
                for s in asp.get(urn, {}).get("sourceCode", {}).get("sourceCode", [])
            },
            "run_properties": run_props,
            "runs": set(runs),
            "deployments": {e["urn"] for e in self.provenance.endpoints(urn)},
            "custom": props.get("customProperties", {}),
        }

    def compare(self, a: str, b: str) -> dict[str, Any]:
        ma, mb = self._model(a), self._model(b)
        datasets = _compare_sets(set(ma["datasets"]), set(mb["datasets"]))
        # Pair a dataset only A used with one only B used when they are versions of one
        # thing (same stem: orders_v2.0 / orders_v2.1): that is a version change.
        changed = []
        for ua in list(datasets["only_a"]):
            stem = (ma["datasets"][ua]["platform"], _stem(str(ma["datasets"][ua]["name"])))
            match = next(
                (
                    ub
                    for ub in datasets["only_b"]
                    if (mb["datasets"][ub]["platform"], _stem(str(mb["datasets"][ub]["name"])))
                    == stem
                ),
                None,
            )
            if match:
                changed.append(
                    {
                        "a": ua,
                        "b": match,
                        "from": ma["datasets"][ua]["name"],
                        "to": mb["datasets"][match]["name"],
                    }
                )
                datasets["only_a"].remove(ua)
                datasets["only_b"].remove(match)
        params = _compare_maps(ma["hyperparameters"], mb["hyperparameters"])
        metrics = _compare_maps(ma["metrics"], mb["metrics"])
        run_props = _compare_maps(ma["run_properties"], mb["run_properties"])
        commit = {
            "a": ma["run_properties"].get("git_commit") or ma["custom"].get("git_commit"),
            "b": mb["run_properties"].get("git_commit") or mb["custom"].get("git_commit"),
        }
        return {
            "a": a,
            "b": b,
            "datasets": {**datasets, "changed_versions": changed},
            "hyperparameters": params,
            "metrics": metrics,
            "features": _compare_sets(ma["features"], mb["features"]),
            "source_code": _compare_sets(ma["source_code"], mb["source_code"]),
            "git_commit": {**commit, "changed": commit["a"] != commit["b"]},
            "run_properties": run_props,
            "training_runs": _compare_sets(ma["runs"], mb["runs"]),
            "deployments": _compare_sets(ma["deployments"], mb["deployments"]),
            "summary": _summary(changed, datasets, params, metrics, commit),
        }


def _summary(
    changed: list[dict[str, Any]],
    datasets: dict[str, list[str]],
    params: list[dict[str, Any]],
    metrics: list[dict[str, Any]],
    commit: dict[str, Any],
) -> list[str]:
    lines = [f"dataset {c['from']} -> {c['to']}" for c in changed]
    lines += [f"dataset only in A: {u}" for u in datasets["only_a"]]
    lines += [f"dataset only in B: {u}" for u in datasets["only_b"]]
    lines += [f"hyperparameter {p['name']}: {p['a']} -> {p['b']}" for p in params if p["changed"]]
    lines += [f"metric {m['name']}: {m['a']} -> {m['b']}" for m in metrics if m["changed"]]
    if commit["a"] != commit["b"]:
        lines.append(f"git commit: {commit['a']} -> {commit['b']}")
    return lines
