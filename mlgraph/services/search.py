"""Search across the whole catalog: full text, facets with counts, the MLflow-style
filter grammar, sorting and cursor paging. The same results on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import orjson

from mlgraph.errors import InvalidInput
from mlgraph.model.display import display_name
from mlgraph.model.query import FACETS, OPS, PROPERTY_KINDS, SORTS, Clause, MemberQuery
from mlgraph.model.registry import ENTITIES, entity_spec
from mlgraph.services.entities import decode_cursor, encode_cursor
from mlgraph.services.filters import parse_filter
from mlgraph.services.indexing import words
from mlgraph.store.aspect_store import AspectStore
from mlgraph.store.member_store import MemberStore
from mlgraph.store.search_store import (
    FACET_SAMPLE,
    RANK_WINDOW,
    TOTAL_LIMIT,
    SearchSpec,
    SearchStore,
)

__all__ = ["FACET_SAMPLE", "RANK_WINDOW", "TOTAL_LIMIT", "SearchService"]

MAX_LIMIT = 1000


class SearchService:
    def __init__(self, search: SearchStore, aspects: AspectStore, members: MemberStore) -> None:
        self.store = search
        self.aspects = aspects
        self.members_store = members

    def search(
        self,
        q: str | None = None,
        filter: str | None = None,
        facets: dict[str, list[str]] | None = None,
        *,
        sort: str = "relevance",
        order: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
        with_facets: bool = True,
        exact_total: bool = False,
    ) -> dict[str, Any]:
        """One page of matches. `total` counts them up to TOTAL_LIMIT (`total_exact`
        says whether it stopped there) unless `exact_total`; facet counts are exact over
        at most FACET_SAMPLE matches, else over the FACET_SAMPLE most relevant
        (`facets_exact`)."""
        if sort not in SORTS:
            raise InvalidInput(f"sort {sort!r} is not one of {', '.join(sorted(SORTS))}")
        if order not in (None, "asc", "desc"):
            raise InvalidInput(f"order {order!r} is not asc or desc")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
        unknown = set(facets or {}) - set(FACETS)
        if unknown:
            raise InvalidInput(
                f"unknown facet(s) {', '.join(sorted(unknown))}; facets: {', '.join(FACETS)}"
            )
        offset = 0
        if cursor:
            raw = decode_cursor(cursor)
            if not raw.startswith("o:") or not raw[2:].isdigit():
                raise InvalidInput(f"cursor {cursor!r} is not one this server issued")
            offset = int(raw[2:])
        terms = words(q or "")
        descending = order == "desc" or (order is None and sort == "updated")
        spec = SearchSpec(
            words=terms,
            clauses=parse_filter(filter),
            facet_filters={k: v for k, v in (facets or {}).items() if v},
            sort=sort,
            descending=descending,
            offset=offset,
            limit=limit,
            facets=with_facets,
            # Module settings read at each call, so tests can shrink them.
            facet_sample=FACET_SAMPLE,
            facet_exact=FACET_SAMPLE,
            rank_window=RANK_WINDOW,
            total_limit=None if exact_total else TOTAL_LIMIT,
        )
        found = self.store.search(spec)
        return {
            "total": found.total,
            "total_exact": found.total_exact,
            "results": self._described(found.rows),
            "facets": found.facets,
            "facets_exact": found.facets_exact,
            "ranked_recent": found.ranked_recent,
            "next_cursor": encode_cursor(f"o:{offset + limit}") if found.more else None,
        }

    def _described(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Result rows with the display name and description their properties aspect
        gives (the model declares which aspect that is, per type)."""
        props = {t: ENTITIES[t].properties for t in {r["entity_type"] for r in rows}}
        wanted = sorted({a for a in props.values() if a is not None})
        stored = self.aspects.latest_many([r["urn"] for r in rows], wanted) if wanted else {}
        results = []
        for r in rows:
            aspect = props[r["entity_type"]]
            raw = stored.get(r["urn"], {}).get(aspect) if aspect else None
            value = orjson.loads(raw) if raw is not None else None
            described = {aspect: value} if aspect else {}
            results.append(
                {
                    "urn": r["urn"],
                    "type": r["entity_type"],
                    "platform": r["platform"],
                    "name": r["name"],
                    "env": r["env"],
                    "display_name": display_name(r["entity_type"], r["name"], described),
                    "description": value.get("description") if value else None,
                    "updated_at": r["updated_at"],
                }
            )
        return results

    def matching(self, clauses: list[Clause], entity_type: str, limit: int) -> set[str]:
        """URNs of live entities of one type matching every clause, read from the index
        alone (no text, no facet counts, nothing ranked): at most `limit` of them."""
        entity_spec(entity_type)
        if limit < 1:
            raise InvalidInput("limit must be at least 1")
        spec = SearchSpec(
            clauses=clauses,
            facet_filters={"type": [entity_type]},
            sort="name",
            limit=limit,
            facets=False,
        )
        return {r["urn"] for r in self.store.search(spec).rows}

    def members(self, query: MemberQuery) -> list[str]:
        """One page of a container's members (see MemberStore.page), the query checked
        first: a malformed one is the caller's error, not a failed SQL statement."""
        entity_spec(query.entity_type)
        if query.offset < 0 or query.limit < 1:
            raise InvalidInput("offset must be >= 0 and limit >= 1")
        for value in [c.value for c in query.conditions] + [s.value for s in query.sorts]:
            if value.kind not in (*PROPERTY_KINDS, "field"):
                raise InvalidInput(f"a member value is a {', '.join(PROPERTY_KINDS)} or field")
        for c in query.conditions:
            if c.op not in OPS:
                raise InvalidInput(f"operator {c.op} is not one of {', '.join(OPS)}")
            if c.op in ("IN", "NOT IN") and not isinstance(c.operand, list | tuple):
                raise InvalidInput(f"{c.op} takes a list of values")
        if not query.containers:
            return []
        return self.members_store.page(query)
