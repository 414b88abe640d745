"""Lineage: breadth-first walks over lineage edges, upstream, downstream or both, with
depth, type and platform filters, the paths that reach each node, and honest limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.model.registry import ENTITIES, parse_urn
from mlgraph.store.graph_store import GraphStore, Hop

MAX_HOPS = 100  # "the whole graph": a lineage chain longer than this is not realistic
MAX_NODES = 10_000
MAX_PATHS = 5  # paths kept per node (all of them shortest)
REACH_ROWS_PER_NODE = 3  # a walk read at once may hold this many edge rows per node
DIRECTIONS = ("upstream", "downstream", "both")


@dataclass(frozen=True)
class LineageQuery:
    urn: str
    direction: str = "upstream"
    depth: int = 1  # 0 means the whole graph (up to MAX_HOPS)
    types: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    containment: bool = False
    max_nodes: int = MAX_NODES

    def check(self) -> None:
        parse_urn(self.urn)
        if self.direction not in DIRECTIONS:
            raise InvalidInput(
                f"direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}"
            )
        if not 0 <= self.depth <= MAX_HOPS:
            raise InvalidInput(f"depth must be between 1 and {MAX_HOPS}, or 0 for the whole graph")
        unknown = self.types - ENTITIES.keys()
        if unknown:
            raise InvalidInput(
                f"unknown entity type(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(ENTITIES))}"
            )
        if not 1 <= self.max_nodes <= MAX_NODES:
            raise InvalidInput(f"max_nodes must be between 1 and {MAX_NODES}")


@dataclass
class LineageNode:
    urn: str
    direction: str
    degree: int
    paths: list[list[str]]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "direction": self.direction,
            "degree": self.degree,
            "paths": self.paths,
            **self.summary,
        }


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """`upstream` feeds `downstream`; `types` names every relationship saying so
    (a run's input may be declared both as `inputs` and as `inputEdges`)."""

    upstream: str
    downstream: str
    types: list[str]


@dataclass
class LineageResult:
    root: str
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = False
    truncated_reason: str | None = None
    more_beyond_depth: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [
                {
                    "upstream": e.upstream,
                    "downstream": e.downstream,
                    "type": e.types[0],
                    "types": e.types,
                }
                for e in self.edges
            ],
            "truncated": self.truncated,
            "truncated_reason": self.truncated_reason,
            "more_beyond_depth": self.more_beyond_depth,
        }


def _summary(urn: str, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if urn in found:
        return {**found[urn], "exists": True}
    # Referenced but never written (e.g. a column, or an entity not ingested yet).
    _, spec, key = parse_urn(urn)
    return {
        "type": spec.name,
        "platform": key.platform,
        "name": key.name,
        "env": key.env,
        "removed": False,
        "exists": False,
    }


class LineageService:
    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def walk(self, q: LineageQuery) -> LineageResult:
        q.check()
        directions = ("upstream", "downstream") if q.direction == "both" else (q.direction,)
        nodes: dict[str, LineageNode] = {}
        edges: dict[tuple[str, str], list[Hop]] = {}
        result = LineageResult(q.urn, [], [])
        with self.graph.session() as graph:
            for direction in directions:
                self._bfs(graph, q, direction, nodes, edges, result)
            found = graph.summaries([q.urn, *nodes])
        if q.urn not in found and not nodes:
            raise NotFound(f"no entity {q.urn}")
        for node in nodes.values():
            node.summary = _summary(node.urn, found)
            node.paths.sort()  # equally short paths: the same order on every backend
        kept = [
            n
            for n in nodes.values()
            if (not q.types or n.summary["type"] in q.types)
            and (not q.platforms or n.summary["platform"] in q.platforms)
        ]
        kept.sort(key=lambda n: (n.degree, n.direction, n.urn))
        result.nodes = kept
        result.edges = [
            LineageEdge(up, down, sorted({h.rel for h in hops}))
            for (up, down), hops in sorted(edges.items())
        ]
        return result

    def _bfs(
        self,
        graph: GraphStore,
        q: LineageQuery,
        direction: str,
        nodes: dict[str, LineageNode],
        edges: dict[tuple[str, str], list[Hop]],
        result: LineageResult,
    ) -> None:
        upstream = direction == "upstream"
        paths: dict[str, list[list[str]]] = {q.urn: [[q.urn]]}
        degree: dict[str, int] = {q.urn: 0}
        frontier = [q.urn]
        max_depth = q.depth or MAX_HOPS
        # Every hop the walk may take, read at once; None if there are too many, and
        # then the walk reads hop by hop and stops at max_nodes.
        known = graph.reach(
            q.urn,
            upstream=upstream,
            containment=q.containment,
            depth=max_depth,
            cap=REACH_ROWS_PER_NODE * q.max_nodes,
        )
        for hop in range(1, max_depth + 1):
            nxt: list[str] = []
            for h in graph.hops(
                frontier, upstream=upstream, containment=q.containment, known=known
            ):
                here, there = (h.downstream, h.upstream) if upstream else (h.upstream, h.downstream)
                if here not in degree or there == q.urn:
                    continue
                edges.setdefault((h.upstream, h.downstream), []).append(h)
                if there not in degree:
                    if len(nodes) >= q.max_nodes:
                        result.truncated = True
                        result.truncated_reason = (
                            f"stopped at {q.max_nodes} nodes; narrow the query (depth, types) "
                            "or raise max_nodes"
                        )
                        return
                    degree[there] = hop
                    paths[there] = []
                    nxt.append(there)
                    if there not in nodes:
                        nodes[there] = LineageNode(there, direction, hop, paths[there])
                if degree[there] == hop and len(paths[there]) < MAX_PATHS:
                    for p in paths[here]:
                        candidate = [*p, there]
                        if candidate not in paths[there] and len(paths[there]) < MAX_PATHS:
                            paths[there].append(candidate)
            frontier = nxt
            if not frontier:
                return
        if frontier and graph.hops(
            frontier, upstream=upstream, containment=q.containment, known=known
        ):
            result.more_beyond_depth = True
