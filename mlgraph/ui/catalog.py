"""The home page and search: counts by type, recently changed entities, models in
production, and full-text search with facets and the filter grammar. Every URL is a
bookmark: the query string holds the whole search."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlgraph.api.deps import ServicesDep
from mlgraph.runtime import Services
from mlgraph.services.search import FACET_SAMPLE, FACETS
from mlgraph.ui.header import display_name
from mlgraph.ui.templating import html_errors, render

router = APIRouter()

PAGE_SIZE = 25
# The facets a result list offers as links, in the order shown.
SHOWN_FACETS = ("type", "platform", "env", "tag", "owner", "domain", "term", "alias", "subtype")
PRODUCTION_ALIASES = ["Production", "production", "champion"]


@router.get("/", response_class=HTMLResponse, name="ui_home")
@html_errors
def home(services: ServicesDep) -> HTMLResponse:
    counts = services.entities.counts()
    recent = [
        {
            "urn": view.row.urn,
            "type": view.row.entity_type,
            "display_name": display_name(view),
            "updated_at": view.row.updated_at,
        }
        for view in services.entities.recently_changed(10)
    ]
    return render(
        "home.html",
        title="mlgraph",
        counts=sorted(counts.items()),
        total=sum(counts.values()),
        recent=recent,
        production=production_models(services),
    )


def production_models(services: Services) -> list[dict[str, Any]]:
    """Models with a Production/champion alias or the `production` tag."""
    by_alias = services.search.search(
        facets={"type": ["mlModel"], "alias": PRODUCTION_ALIASES}, limit=50, with_facets=False
    )["results"]
    by_tag = services.search.search(
        facets={"type": ["mlModel"], "tag": ["urn:li:tag:production"]},
        limit=50,
        with_facets=False,
    )["results"]
    seen: dict[str, dict[str, Any]] = {}
    for r in [*by_alias, *by_tag]:
        seen.setdefault(r["urn"], r)
    return sorted(seen.values(), key=lambda r: str(r["display_name"]).lower())


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
        facet_sample=FACET_SAMPLE,
    )


def _toggle(base: list[tuple[str, str]], name: str, value: str) -> str:
    pairs = [(k, v) for k, v in base if not (k == name and v == value)]
    if len(pairs) == len(base):
        pairs.append((name, value))
    return "/search?" + urlencode(pairs)
