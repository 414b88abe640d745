"""The questions seed 004 asks of the lineage graph, as first-class calls: which data
trained this model, what breaks if this dataset changes (and whom to tell), which
endpoints serve a model, the full ancestry of a deployment (whether it is approved is
`services/approvals.py`'s)."""

from __future__ import annotations

from typing import Any

import orjson

from mlgraph.errors import InvalidInput
from mlgraph.model.registry import parse_urn
from mlgraph.services.lineage import LineageNode, LineageQuery, LineageResult, LineageService
from mlgraph.store.aspect_store import AspectStore

RUN_TYPES = {"dataProcessInstance", "dataJob"}
TRAINING_RELS = {"Consumes", "DataProcessInstanceConsumes"}
DIRECT_DATA_RELS = {"TrainedOn": "training", "EvaluatedOn": "evaluation"}


class ProvenanceService:
    def __init__(self, store: AspectStore, lineage: LineageService) -> None:
        self.store = store
        self.lineage = lineage

    def _aspects(self, urns: list[str], *names: str) -> dict[str, dict[str, Any]]:
        raw = self.store.latest_many(urns, names)
        return {u: {a: orjson.loads(v) for a, v in d.items()} for u, d in raw.items()}

    def _node_info(self, nodes: list[LineageNode]) -> list[dict[str, Any]]:
        urns = [n.urn for n in nodes]
        extra = self._aspects(urns, "ownership", "versionProperties", "datasetProperties")
        out = []
        for n in nodes:
            aspects = extra.get(n.urn, {})
            out.append(
                {
                    "urn": n.urn,
                    "type": n.summary.get("type"),
                    "name": n.summary.get("name"),
                    "platform": n.summary.get("platform"),
                    "degree": n.degree,
                    "path": n.paths[0] if n.paths else [],
                    "owners": [o["owner"] for o in aspects.get("ownership", {}).get("owners", [])],
                    "version": _version(n.summary.get("name"), aspects),
                }
            )
        return out

    def ancestry(self, urn: str) -> LineageResult:
        """Everything upstream of `urn`, to the sources (seed 004's one-click ancestry)."""
        return self.lineage.walk(LineageQuery(urn, "upstream", depth=0))

    def training_data(self, urn: str) -> dict[str, Any]:
        """The datasets a model (or a deployment's model) was trained and evaluated on:
        those its training runs consumed and those its model card names."""
        _, spec, _ = parse_urn(urn)
        if spec.name not in ("mlModel", "mlModelDeployment", "mlModelGroup"):
            raise InvalidInput(
                f"training data is asked of a model, group or deployment, not a {spec.name}"
            )
        walk = self.ancestry(urn)
        by_urn = {n.urn: n for n in walk.nodes}
        # A deployment or group stands for the models right upstream of it.
        model_urns = (
            {urn}
            if spec.name == "mlModel"
            else {n.urn for n in walk.nodes if n.summary["type"] == "mlModel" and n.degree == 1}
        )
        runs = {
            e.upstream for e in walk.edges if e.downstream in model_urns and "TrainedBy" in e.types
        }
        training: dict[str, dict[str, Any]] = {}
        for e in walk.edges:
            node = by_urn.get(e.upstream)
            if node is None or node.summary["type"] != "dataset":
                continue
            direct = [t for t in e.types if t in DIRECT_DATA_RELS]
            if e.downstream in runs and TRAINING_RELS & set(e.types):
                training.setdefault(e.upstream, {"role": "training", "via": []})["via"].append(
                    e.downstream
                )
            elif e.downstream in model_urns and direct:
                entry = training.setdefault(
                    e.upstream, {"role": DIRECT_DATA_RELS[direct[0]], "via": []}
                )
                entry["via"].append(e.downstream)
        datasets = [n for n in walk.nodes if n.summary["type"] == "dataset"]
        info = {d["urn"]: d for d in self._node_info(datasets)}
        return {
            "urn": urn,
            "models": sorted(model_urns),
            "training_runs": sorted(runs),
            "training_datasets": [
                {**info[u], "role": t["role"], "via": sorted(set(t["via"]))}
                for u, t in sorted(training.items())
            ],
            "upstream_datasets": [info[d.urn] for d in datasets if d.urn not in training],
        }

    def impact(self, urn: str) -> dict[str, Any]:
        """Everything downstream of a dataset or column, grouped by type, with owners."""
        walk = self.lineage.walk(LineageQuery(urn, "downstream", depth=0))
        nodes = self._node_info(walk.nodes)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for n in nodes:
            by_type.setdefault(str(n["type"]), []).append(n)
        owners = sorted({o for n in nodes for o in n["owners"]})
        return {
            "urn": urn,
            "total": len(nodes),
            "by_type": by_type,
            "owners_to_notify": owners,
            "truncated": walk.truncated,
        }

    def endpoints(self, urn: str) -> list[dict[str, Any]]:
        """The deployments serving a model, or any model of a group."""
        _, spec, _ = parse_urn(urn)
        models = [urn]
        if spec.name == "mlModelGroup":
            members = self.lineage.walk(LineageQuery(urn, "upstream", types=frozenset({"mlModel"})))
            models = [n.urn for n in members.nodes]
        elif spec.name != "mlModel":
            raise InvalidInput(f"endpoints are asked of a model or model group, not a {spec.name}")
        serving: dict[str, LineageNode] = {}
        for model in models:
            walk = self.lineage.walk(
                LineageQuery(model, "downstream", types=frozenset({"mlModelDeployment"}))
            )
            serving.update({n.urn: n for n in walk.nodes})
        props = self._aspects(list(serving), "mlModelDeploymentProperties")
        out = []
        for n in sorted(serving.values(), key=lambda n: n.urn):
            p = props.get(n.urn, {}).get("mlModelDeploymentProperties", {})
            out.append(
                {
                    "urn": n.urn,
                    "name": p.get("name") or n.summary.get("name"),
                    "platform": n.summary.get("platform"),
                    "status": p.get("status"),
                    "endpoint_url": p.get("endpointUrl") or p.get("externalUrl"),
                    "degree": n.degree,
                }
            )
        return out


def _version(name: Any, aspects: dict[str, Any]) -> str | None:
    vp = aspects.get("versionProperties", {})
    if vp.get("version", {}).get("versionTag"):
        return str(vp["version"]["versionTag"])
    custom = aspects.get("datasetProperties", {}).get("customProperties", {})
    for key in ("version", "dataset_version"):
        if key in custom:
            return str(custom[key])
    return None
