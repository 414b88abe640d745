"""Search resolvers: `search` / `searchAcrossEntities` over `SearchService.search`,
with DataHub's start/count paging as well as mlgraph's cursors."""

from __future__ import annotations

from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from mlgraph.errors import InvalidInput
from mlgraph.graphql.context import Ref, context, ref
from mlgraph.services.entities import decode_cursor, encode_cursor

FACET_NAMES = {
    "type": "Type",
    "platform": "Platform",
    "env": "Environment",
    "tag": "Tag",
    "owner": "Owner",
    "domain": "Domain",
    "term": "Glossary term",
    "alias": "Version alias",
    "subtype": "Subtype",
    "algorithm": "Algorithm",
}


def _offset(cursor: str) -> int:
    raw = decode_cursor(cursor)
    return int(raw[2:]) if raw.startswith("o:") and raw[2:].isdigit() else 0


def _facet_filters(input: dict[str, Any]) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for f in input.get("facets") or []:
        chosen.setdefault(f["field"], []).extend(f["values"])
    if input.get("types"):
        chosen.setdefault("type", []).extend(input["types"])
    return chosen


def _aggregation(field: str, value: str, count: int) -> dict[str, Any]:
    entity: Ref | None = None
    if value.startswith("urn:li:"):
        entity = ref(value)
    return {"value": value, "count": count, "entity": entity}


def resolve_search(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    start, cursor = input.get("start"), input.get("cursor")
    if start is not None and cursor:
        raise InvalidInput("pass start or cursor, not both")
    if start is not None:
        if start < 0:
            raise InvalidInput("start must be >= 0")
        cursor = encode_cursor(f"o:{start}") if start else None
    query = input.get("query")
    result = context(info).services.search.search(
        None if query in (None, "*") else query,
        input.get("filter"),
        _facet_filters(input),
        sort=input.get("sort") or "relevance",
        order=input.get("order"),
        limit=20 if input.get("count") is None else input["count"],
        cursor=cursor,
        with_facets=input.get("withFacets", True) is not False,
        exact_total=input.get("exactTotal") is True,
    )
    return {
        "start": _offset(cursor) if cursor else 0,
        "count": len(result["results"]),
        "total": result["total"],
        "totalExact": result["total_exact"],
        "facetsExact": result["facets_exact"],
        "nextCursor": result["next_cursor"],
        "searchResults": [
            {
                "entity": Ref(r["urn"], r["type"]),
                "displayName": r["display_name"],
                "description": r["description"],
            }
            for r in result["results"]
        ],
        "facets": [
            {
                "field": field,
                "displayName": FACET_NAMES.get(field, field),
                "aggregations": [
                    _aggregation(field, value, n)
                    for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            }
            for field, counts in result["facets"].items()
        ],
    }


def bind(query: QueryType) -> None:
    query.set_field("search", resolve_search)
    query.set_field("searchAcrossEntities", resolve_search)
