"""Lineage resolvers: `Entity.lineage`, `Query.lineage` and DataHub's
`searchAcrossLineage`, all one `LineageService.walk`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from mlgraph.errors import InvalidInput
from mlgraph.graphql.context import Ref, context, ref
from mlgraph.graphql.names import BY_TYPE
from mlgraph.services.lineage import MAX_NODES, LineageNode, LineageQuery, LineageResult

MAX_PAGE = 10_000


def _page(start: int, count: int) -> None:
    if start < 0 or not 0 <= count <= MAX_PAGE:
        raise InvalidInput(f"start must be >= 0 and count between 0 and {MAX_PAGE}")


def _walk(
    info: GraphQLResolveInfo,
    urn: str,
    direction: str,
    depth: int,
    types: list[str] | None,
    platforms: list[str] | None = None,
    containment: bool = False,
    max_nodes: int | None = None,
) -> LineageResult:
    query = LineageQuery(
        urn=urn,
        direction=direction,
        depth=depth,
        types=frozenset(types or ()),
        platforms=frozenset(p.removeprefix("urn:li:dataPlatform:") for p in platforms or ()),
        containment=containment,
        max_nodes=MAX_NODES if max_nodes is None else max_nodes,
    )
    return context(info).services.lineage.walk(query)


def _node_ref(node: LineageNode) -> Ref:
    return Ref(node.urn, str(node.summary.get("type") or ref(node.urn).entity_type))


def _paths(node: LineageNode) -> list[dict[str, Any]]:
    return [{"path": [ref(u) for u in path]} for path in node.paths]


def _result(urn: str, result: LineageResult, start: int, count: int) -> dict[str, Any]:
    _page(start, count)
    page = result.nodes[start : start + count]
    shown = {n.urn for n in page} | {urn}
    return {
        "root": ref(urn),
        "total": len(result.nodes),
        "start": start,
        "count": len(page),
        "nodes": [
            {
                "entity": _node_ref(n),
                "direction": n.direction,
                "degree": n.degree,
                "paths": _paths(n),
            }
            for n in page
        ],
        "edges": [
            {"upstream": ref(e.upstream), "downstream": ref(e.downstream), "types": e.types}
            for e in result.edges
            if e.upstream in shown or e.downstream in shown
        ],
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
        "moreBeyondDepth": result.more_beyond_depth,
    }


def resolve_entity_lineage(
    obj: Ref,
    info: GraphQLResolveInfo,
    direction: str = "upstream",
    depth: int = 1,
    types: list[str] | None = None,
    platforms: list[str] | None = None,
    containment: bool = False,
    maxNodes: int | None = None,
    start: int = 0,
    count: int = 1000,
) -> dict[str, Any]:
    walked = _walk(info, obj.urn, direction, depth, types, platforms, containment, maxNodes)
    return _result(obj.urn, walked, start, count)


def resolve_lineage(_: Any, info: GraphQLResolveInfo, urn: str, **kwargs: Any) -> dict[str, Any]:
    return resolve_entity_lineage(ref(urn), info, **kwargs)


def _degree_bucket(degree: int) -> str:
    return str(degree) if degree < 3 else "3+"


def resolve_search_across_lineage(
    _: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> dict[str, Any]:
    start, count = input.get("start") or 0, input.get("count")
    count = 10 if count is None else count
    _page(start, count)
    urn = input["urn"]
    walked = _walk(info, urn, input["direction"], input.get("depth") or 0, input.get("types"))
    page = walked.nodes[start : start + count]
    degrees = Counter(_degree_bucket(n.degree) for n in walked.nodes)
    types = Counter(str(n.summary.get("type")) for n in walked.nodes)
    facets = [
        _facet("degree", "Degree", sorted(degrees.items())),
        _facet("_entityType", "Type", sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))),
    ]
    return {
        "start": start,
        "count": len(page),
        "total": len(walked.nodes),
        "searchResults": [
            {"entity": _node_ref(n), "degree": n.degree, "paths": _paths(n)} for n in page
        ],
        "facets": facets,
        "truncated": walked.truncated,
    }


def _facet(field: str, display: str, counts: list[tuple[str, int]]) -> dict[str, Any]:
    if field == "_entityType":  # DataHub's values: the EntityType enum names
        counts = [(BY_TYPE[v].enum if v in BY_TYPE else v, n) for v, n in counts]
    aggregations = [{"value": v, "count": n, "entity": None} for v, n in counts]
    return {"field": field, "displayName": display, "aggregations": aggregations}


def bind(query: QueryType) -> None:
    query.set_field("lineage", resolve_lineage)
    query.set_field("searchAcrossLineage", resolve_search_across_lineage)
