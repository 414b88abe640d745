"""The home page and search: counts by type, recently changed entities, models in
production, and full-text search with facets and the filter grammar. Every URL is a
bookmark: the query string holds the whole search."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlgraph.api.deps import ServicesDep
from mlgraph.model.query import FACETS
from mlgraph.runtime import Services
from mlgraph.services import search as search_service
from mlgraph.services.entities import EntityView
from mlgraph.ui.header import description_aspect, display_name, value_of
from mlgraph.ui.templating import html_errors, render

router = APIRouter()

PAGE_SIZE = 25
# The facets a result list offers as links, in the order shown.
SHOWN_FACETS = ("type", "platform", "env", "tag", "owner", "domain", "term", "alias", "subtype")
PRODUCTION_ALIASES = ["Production", "production", "champion"]
PRODUCTION_TAG = "urn:li:tag:production"
PRODUCTION_SHOWN = 50


@router.get("/", response_class=HTMLResponse, name="ui_home")
@html_errors
def home(services: ServicesDep) -> HTMLResponse:
    counts = services.entities.counts()
    recent = [_row(view) for view in services.entities.recently_changed(10)]
    production, more_in_production = production_models(services)
    return render(
        "home.html",
        title="mlgraph",
        counts=sorted(counts.items()),
        total=sum(counts.values()),
        recent=recent,
        production=production,
        more_in_production=more_in_production,
        production_tag=PRODUCTION_TAG,
    )


def production_models(services: Services) -> tuple[list[dict[str, Any]], bool]:
    """Models with a Production/champion alias or the `production` tag (at most
    PRODUCTION_SHOWN of the tagged ones), and whether more carry the tag."""
    by_alias = services.search.search(
        facets={"type": ["mlModel"], "alias": PRODUCTION_ALIASES}, limit=50, with_facets=False
    )["results"]
    # Not a search: that would count and sort every tagged model (40,000 at 1M entities).
    by_tag = services.entities.tagged(
        PRODUCTION_TAG, entity_type="mlModel", limit=PRODUCTION_SHOWN + 1
    )
    seen: dict[str, dict[str, Any]] = {r["urn"]: r for r in by_alias}
    for view in by_tag[:PRODUCTION_SHOWN]:
        seen.setdefault(view.row.urn, _row(view))
    rows = sorted(seen.values(), key=lambda r: str(r["display_name"]).lower())
    return rows, len(by_tag) > PRODUCTION_SHOWN


def _row(view: EntityView) -> dict[str, Any]:
    """An entity as a result row: what the search results show of it."""
    aspect = description_aspect(view.row.entity_type)
    return {
        "urn": view.row.urn,
        "type": view.row.entity_type,
        "platform": view.row.platform,
        "display_name": display_name(view),
        "description": value_of(view, aspect).get("description") if aspect else None,
        "updated_at": view.row.updated_at,
    }


def _selected(request: Request) -> dict[str, list[str]]:
    return {
        name: [v for v in request.query_params.getlist(name) if v]
        for name in FACETS
        if request.query_params.getlist(name)
    }


@router.get("/search", response_class=HTMLResponse, name="ui_search")
@html_errors
def search_page(request: Request, services: ServicesDep) -> HTMLResponse:
    params = request.query_params
    q = params.get("q", "")
    filter_text = params.get("filter", "")
    sort = params.get("sort", "relevance")
    cursor = params.get("cursor") or None
    selected = _selected(request)
    result = services.search.search(
        q or None,
        filter_text or None,
        selected,
        sort=sort,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    base: list[tuple[str, str]] = [(k, v) for k, v in params.multi_items() if k != "cursor" and v]
    facets = []
    for name in SHOWN_FACETS:
        values = result["facets"].get(name) or {}
        chosen = selected.get(name, [])
        items = [
            {
                "value": value,
                "count": count,
                "selected": value in chosen,
                "href": _toggle(base, name, value),
            }
            for value, count in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        # A chosen value with no match left still shows, so it can be unticked.
        items += [
            {"value": v, "count": 0, "selected": True, "href": _toggle(base, name, v)}
            for v in chosen
            if v not in values
        ]
        if items:
            facets.append({"name": name, "items": items})
    next_href = (
        "/search?" + urlencode([*base, ("cursor", result["next_cursor"])])
        if result["next_cursor"]
        else None
    )
    return render(
        "search.html",
        title=f"Search: {q}" if q else "Search",
        q=q,
        filter=filter_text,
        sort=sort,
        selected=selected,
        result=result,
        facets=facets,
        next_href=next_href,
        hidden=[(k, v) for k, v in base if k in FACETS],
        facet_sample=search_service.FACET_SAMPLE,
        rank_window=search_service.RANK_WINDOW,
    )


def _toggle(base: list[tuple[str, str]], name: str, value: str) -> str:
    pairs = [(k, v) for k, v in base if not (k == name and v == value)]
    if len(pairs) == len(base):
        pairs.append((name, value))
    return "/search?" + urlencode(pairs)
