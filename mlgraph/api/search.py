"""Search: full text, facets, the filter grammar, sorting and paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, SearchOut

router = APIRouter(prefix="/api/v1", tags=["search"], responses=ERRORS)

Multi = Annotated[list[str] | None, Query()]


@router.get("/search", response_model=SearchOut, name="search")
async def search(
    services: ServicesDep,
    q: Annotated[str | None, Query(description="words to find (the last may be a prefix)")] = None,
    filter: Annotated[
        str | None,
        Query(description="e.g. tags.dataset_version = 'orders_v2.1' AND metrics.val_auc > 0.9"),
    ] = None,
    type: Multi = None,
    platform: Multi = None,
    env: Multi = None,
    tag: Multi = None,
    owner: Multi = None,
    domain: Multi = None,
    term: Multi = None,
    alias: Multi = None,
    subtype: Multi = None,
    algorithm: Multi = None,
    sort: Annotated[str, Query(description="relevance, name or updated")] = "relevance",
    order: Annotated[str | None, Query(description="asc or desc")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    cursor: str | None = None,
    facets: Annotated[bool, Query(description="include facet counts")] = True,
    exact_total: Annotated[
        bool,
        Query(description="count every match (by default counting stops at 10,000)"),
    ] = False,
) -> JSONResponse:
    """Matching entities, with counts per facet value. `total` stops at 10,000 (then
    `total_exact` is false) unless `exact_total=true`; facet counts are exact over at most
    1,000 matches, else over the 1,000 most relevant (`facets_exact` says which)."""
    chosen = {
        "type": type,
        "platform": platform,
        "env": env,
        "tag": tag,
        "owner": owner,
        "domain": domain,
        "term": term,
        "alias": alias,
        "subtype": subtype,
        "algorithm": algorithm,
    }
    result = await run_in_threadpool(
        services.search.search,
        q,
        filter,
        {k: v for k, v in chosen.items() if v},
        sort=sort,
        order=order,
        limit=limit,
        cursor=cursor,
        with_facets=facets,
        exact_total=exact_total,
    )
    return JSONResponse(result)
