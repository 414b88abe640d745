"""What the SDK's lineage calls return: a lineage walk, and the answers to seed 004's
questions (training data, impact, endpoints, approval, the lineage diff of two models).
Frozen dataclasses mirroring the server's JSON, each built from it in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def _strs(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


@dataclass(frozen=True, slots=True)
class LineageNode:
    """An entity reached by a walk: `degree` hops from the root, by `paths` (the
    shortest ones, each from the root to this node). `exists` is False for an entity
    only referenced by an edge, never written (e.g. a column)."""

    urn: str
    direction: str  # "upstream" or "downstream"
    degree: int
    paths: tuple[tuple[str, ...], ...]
    type: str
    platform: str | None
    name: str
    env: str | None
    removed: bool
    exists: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LineageNode:
        return cls(
            d["urn"],
            d["direction"],
            d["degree"],
            tuple(_strs(p) for p in d.get("paths") or ()),
            d["type"],
            d.get("platform"),
            d["name"],
            d.get("env"),
            bool(d.get("removed", False)),
            bool(d.get("exists", True)),
        )


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """Data flows from `upstream` to `downstream`; `types` names every relationship
    that says so (a run's input may be declared twice), `type` the first of them."""

    upstream: str
    downstream: str
    type: str
    types: tuple[str, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LineageEdge:
        return cls(d["upstream"], d["downstream"], d["type"], tuple(d.get("types") or (d["type"],)))


@dataclass(frozen=True, slots=True)
class Lineage:
    """A lineage walk from `root`: every node (all pages gathered), nearest first, and
    the edges between them. `truncated` says a node limit stopped the walk;
    `more_beyond_depth` that the graph goes on past the depth asked for."""

    root: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    truncated: bool
    truncated_reason: str | None
    more_beyond_depth: bool

    @classmethod
    def from_pages(cls, pages: Sequence[Mapping[str, Any]]) -> Lineage:
        """One walk from the pages the server sent (or from one unpaged answer)."""
        first = pages[0]
        # Each page is cut from a walk the server recomputes; a node seen twice (the
        # graph changed between pages) is kept once.
        nodes: dict[str, LineageNode] = {}
        edges: dict[tuple[str, str, str], LineageEdge] = {}
        for page in pages:
            for n in page["nodes"]:
                node = LineageNode.from_json(n)
                nodes.setdefault(node.urn, node)
            for e in page["edges"]:
                edge = LineageEdge.from_json(e)
                edges.setdefault((edge.upstream, edge.downstream, edge.type), edge)
        return cls(
            first["root"],
            tuple(nodes.values()),
            tuple(edges[k] for k in sorted(edges)),
            bool(first["truncated"]),
            first.get("truncated_reason"),
            bool(first["more_beyond_depth"]),
        )

    def node(self, urn: str) -> LineageNode | None:
        return next((n for n in self.nodes if n.urn == urn), None)


@dataclass(frozen=True, slots=True)
class RelatedEntity:
    """An entity found by a provenance question, with its owners (whom to tell) and
    its version when it has one; `path` is a shortest path from the asked entity."""

    urn: str
    type: str
    name: str | None
    platform: str | None
    degree: int
    path: tuple[str, ...]
    owners: tuple[str, ...]
    version: str | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RelatedEntity:
        return cls(
            d["urn"],
            d["type"],
            d.get("name"),
            d.get("platform"),
            d["degree"],
            _strs(d.get("path")),
            _strs(d.get("owners")),
            d.get("version"),
        )


@dataclass(frozen=True, slots=True)
class TrainingDataset:
    """A dataset a model was trained (or evaluated) on, and the runs or model that
    consumed it (`via`)."""

    dataset: RelatedEntity
    role: str  # "training" or "evaluation"
    via: tuple[str, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TrainingDataset:
        return cls(RelatedEntity.from_json(d), d["role"], _strs(d.get("via")))


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Which data trained `urn`: through the `models` it stands for (itself, or the
    models a deployment or group serves) and their `training_runs`.
    `upstream_datasets` are further upstream, not consumed directly."""

    urn: str
    models: tuple[str, ...]
    training_runs: tuple[str, ...]
    training_datasets: tuple[TrainingDataset, ...]
    upstream_datasets: tuple[RelatedEntity, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TrainingData:
        return cls(
            d["urn"],
            _strs(d["models"]),
            _strs(d["training_runs"]),
            tuple(TrainingDataset.from_json(t) for t in d["training_datasets"]),
            tuple(RelatedEntity.from_json(u) for u in d["upstream_datasets"]),
        )


@dataclass(frozen=True, slots=True)
class Impact:
    """Everything downstream of `urn`, grouped by entity type, and every owner of it."""

    urn: str
    total: int
    by_type: Mapping[str, tuple[RelatedEntity, ...]]
    owners_to_notify: tuple[str, ...]
    truncated: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Impact:
        return cls(
            d["urn"],
            d["total"],
            {t: tuple(RelatedEntity.from_json(n) for n in ns) for t, ns in d["by_type"].items()},
            _strs(d["owners_to_notify"]),
            bool(d["truncated"]),
        )

    def urns(self, entity_type: str) -> set[str]:
        return {n.urn for n in self.by_type.get(entity_type, ())}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A deployment serving a model."""

    urn: str
    name: str | None
    platform: str | None
    status: str | None
    endpoint_url: str | None
    degree: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Endpoint:
        return cls(
            d["urn"],
            d.get("name"),
            d.get("platform"),
            d.get("status"),
            d.get("endpoint_url"),
            d["degree"],
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """A link an approval request rests on: a URN (an evaluation run, a model card) or
    an http(s) URL."""

    label: str
    link: str


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A request to move a model version into a protected stage or alias, and its
    decision. `state`: pending, approved, rejected, withdrawn or expired; `applied_at`:
    when the move it allowed was made (an approval is used once)."""

    id: str
    model: str
    group: str | None
    target: str  # "stage:Production" or "alias:champion"
    requester: str
    comment: str | None
    evidence: tuple[Evidence, ...]
    state: str
    created_at: int
    expires_at: int
    decided_by: str | None
    decided_at: int | None
    decision_comment: str | None
    applied_at: int | None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ApprovalRequest:
        return cls(
            d["id"],
            d["model"],
            d.get("group"),
            d["target"],
            d["requester"],
            d.get("comment"),
            tuple(Evidence(e.get("label") or "", e["link"]) for e in d.get("evidence") or ()),
            d["state"],
            d["created_at"],
            d["expires_at"],
            d.get("decided_by"),
            d.get("decided_at"),
            d.get("decision_comment"),
            d.get("applied_at"),
        )


@dataclass(frozen=True, slots=True)
class Approval:
    """Whether a model is approved for production, from the approval records: the
    approval it holds its stage by (who, when, on what evidence), and `reasons` why
    not (no approval on record, Archived, deprecated, superseded...)."""

    urn: str
    approved: bool
    stages: tuple[str, ...]
    reasons: tuple[str, ...]
    approval: ApprovalRequest | None = None
    pending: tuple[ApprovalRequest, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Approval:
        last = d.get("approval")
        return cls(
            d["urn"],
            bool(d["approved"]),
            _strs(d["stages"]),
            _strs(d["reasons"]),
            ApprovalRequest.from_json(last) if last else None,
            tuple(ApprovalRequest.from_json(r) for r in d.get("pending") or ()),
        )


@dataclass(frozen=True, slots=True)
class SetDiff:
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    common: tuple[str, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SetDiff:
        return cls(_strs(d["only_a"]), _strs(d["only_b"]), _strs(d["common"]))


@dataclass(frozen=True, slots=True)
class VersionChange:
    """Two versions of one dataset: A used `a` (named `from_name`), B used `b`."""

    a: str
    b: str
    from_name: str
    to_name: str


@dataclass(frozen=True, slots=True)
class DatasetDiff:
    """The training datasets of two models; a dataset swapped for another version of
    itself is a `changed_versions` entry, not one in `only_a` and one in `only_b`."""

    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    common: tuple[str, ...]
    changed_versions: tuple[VersionChange, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DatasetDiff:
        return cls(
            _strs(d["only_a"]),
            _strs(d["only_b"]),
            _strs(d["common"]),
            tuple(VersionChange(c["a"], c["b"], c["from"], c["to"]) for c in d["changed_versions"]),
        )


@dataclass(frozen=True, slots=True)
class ValueChange:
    """One named value (a hyperparameter, metric, run property) in A and in B."""

    name: str
    a: Any
    b: Any
    changed: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ValueChange:
        return cls(d["name"], d.get("a"), d.get("b"), bool(d["changed"]))


def _values(items: Iterable[Mapping[str, Any]]) -> tuple[ValueChange, ...]:
    return tuple(ValueChange.from_json(i) for i in items)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The lineage diff of models `a` and `b`: what went into each and where each is
    deployed. `summary` is the server's one-line-per-difference digest."""

    a: str
    b: str
    summary: tuple[str, ...]
    datasets: DatasetDiff
    hyperparameters: tuple[ValueChange, ...]
    metrics: tuple[ValueChange, ...]
    git_commit: ValueChange
    features: SetDiff
    source_code: SetDiff
    run_properties: tuple[ValueChange, ...]
    training_runs: SetDiff
    deployments: SetDiff

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Comparison:
        return cls(
            d["a"],
            d["b"],
            _strs(d["summary"]),
            DatasetDiff.from_json(d["datasets"]),
            _values(d["hyperparameters"]),
            _values(d["metrics"]),
            ValueChange.from_json({"name": "git_commit", **d["git_commit"]}),
            SetDiff.from_json(d["features"]),
            SetDiff.from_json(d["source_code"]),
            _values(d["run_properties"]),
            SetDiff.from_json(d["training_runs"]),
            SetDiff.from_json(d["deployments"]),
        )

    def hyperparameter(self, name: str) -> ValueChange | None:
        return next((p for p in self.hyperparameters if p.name == name), None)
