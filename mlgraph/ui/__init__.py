"""The web UI: server-rendered pages (Jinja2, autoescaped) over the same services the
REST API uses, a little JavaScript for the lineage graph and charts, and vendored,
pinned libraries under `static/vendor/` — no Node build step.

An app serves it by including `router` (pages at `/`, `/search`, `/entity/...`,
`/lineage/...`, `/compare`, `/approvals`, `/audit`, sign-in at `/signin`, form posts
at `/edit/...`, files at `/static/...`); `PageContext` (`mlgraph.ui.forms`) gives its
pages their viewer and CSRF token."""

from __future__ import annotations

from fastapi import APIRouter

from mlgraph.ui import (
    approvals,
    audit,
    catalog,
    curation,
    entity,
    lineage,
    oidc,
    signin,
    static,
)

router = APIRouter(include_in_schema=False)
for _module in (static, signin, oidc, catalog, lineage, curation, approvals, audit, entity):
    router.include_router(_module.router)

__all__ = ["router"]
