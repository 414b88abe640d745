"""The entity page, for every entity type: a header, then server-side tabs (`?tab=`)
chosen by type — versions for a model group, runs for an experiment, parameters,
metrics, model card and features for a model, related entities, history with diffs,
and the curation forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlgraph.api.deps import ServicesDep
from mlgraph.errors import NotFound
from mlgraph.runtime import Services
from mlgraph.services.entities import EntityView
from mlgraph.ui import cards, history, related, versions
from mlgraph.ui.header import Header, header
from mlgraph.ui.templating import html_errors, render

router = APIRouter()

LINEAGE_TYPES = {
    "dataset",
    "mlModel",
    "mlModelGroup",
    "mlModelDeployment",
    "mlFeature",
    "mlFeatureTable",
    "dataProcessInstance",
    "dataJob",
    "dataFlow",
    "dashboard",
    "schemaField",
}
# Aspects the edit forms write, with the version each form last saw.
CURATED = ("globalTags", "ownership", "glossaryTerms", "domains")


def tabs_for(h: Header) -> list[tuple[str, str]]:
    tabs: list[tuple[str, str]] = []
    if h.type == "mlModelGroup":
        tabs.append(("versions", "Versions"))
    if h.is_experiment:
        tabs.append(("runs", "Runs"))
    tabs.append(("overview", "Overview"))
    if h.type in ("mlModel", "dataProcessInstance"):
        tabs.append(("metrics", "Parameters & metrics"))
    if h.type == "mlModel":
        tabs.append(("card", "Model card"))
    if h.type in ("mlModel", "mlFeature", "mlFeatureTable"):
        tabs.append(("features", "Features"))
    tabs += [("related", "Related"), ("history", "History"), ("edit", "Edit")]
    return tabs


@router.get("/entity/{urn:path}", response_class=HTMLResponse, name="ui_entity")
@html_errors
def entity_page(urn: str, request: Request, services: ServicesDep) -> HTMLResponse:
    view = services.entities.get(urn, include_removed=True)
    h = header(view)
    tabs = tabs_for(h)
    tab = request.query_params.get("tab") or tabs[0][0]
    if tab not in dict(tabs):
        raise NotFound(f"no tab {tab!r} on a {h.type} page; tabs: {', '.join(dict(tabs))}")
    context = tab_context(services, view, h, tab, request.query_params)
    return render(
        "entity.html",
        title=h.name,
        h=h,
        view=view,
        tabs=tabs,
        tab=tab,
        has_lineage=h.type in LINEAGE_TYPES,
        approval=services.approvals.status(urn) if h.type == "mlModel" else None,
        saved=request.query_params.get("saved"),
        **context,
    )


def tab_context(
    services: Services, view: EntityView, h: Header, tab: str, params: Any
) -> dict[str, Any]:
    urn = view.row.urn
    if tab == "versions":
        table = versions.model_versions(services, urn)
        return {"table": table, "chart": table.chart("version", "line")}
    if tab == "runs":
        table = versions.experiment_runs(services, urn)
        return {"table": table, "chart": table.chart("name", "bar")}
    if tab == "metrics":
        params_, metrics = cards.params_and_metrics(view)
        return {"params": params_, "metrics": metrics}
    if tab == "card":
        return {"sections": cards.model_card(view)}
    if tab == "features":
        return {"features": cards.features(services, view)}
    if tab == "related":
        return {"groups": related.related(services, urn)}
    if tab == "history":
        entries, latest = history.timeline(services, view)
        diff = history.aspect_diff(
            services, urn, params.get("aspect", ""), params.get("old"), params.get("new")
        )
        return {"entries": entries, "latest": latest, "diff": diff}
    if tab == "edit":
        return {"form": edit_form(view, h)}
    return {"schema_fields": cards.schema_fields(view), "properties": _properties(view, h)}


def edit_form(view: EntityView, h: Header) -> dict[str, Any]:
    """Current values and the aspect versions they were read at: a save made after
    someone else's change is refused (409) instead of silently overwriting it."""
    seen = {a: (view.aspects[a].version if a in view.aspects else 0) for a in CURATED}
    for name in (h.description_aspect, "mlModelProperties" if h.type == "mlModel" else None):
        if name:
            a = view.aspects.get(name)
            seen[name] = a.version if a else 0
    props = view.aspects.get("mlModelProperties")
    groups = (props.value or {}).get("groups") if props else None
    return {
        "versions": seen,
        "tags": ", ".join(t.removeprefix("urn:li:tag:") for t in h.tags),
        "owners": ", ".join(o["owner"].removeprefix("urn:li:corpuser:") for o in h.owners),
        "terms": ", ".join(t.removeprefix("urn:li:glossaryTerm:") for t in h.terms),
        "domain": h.domains[0].removeprefix("urn:li:domain:") if h.domains else "",
        "group": ", ".join(groups or []),
    }


_SHOWN_ELSEWHERE = {"name", "description", "customProperties", "displayName"}


def _properties(view: EntityView, h: Header) -> dict[str, Any]:
    """The properties aspect's other fields (type, dates, URLs, ...)."""
    if not h.description_aspect:
        return {}
    a = view.aspects.get(h.description_aspect)
    value = a.value if a and a.value else {}
    return {k: v for k, v in value.items() if k not in _SHOWN_ELSEWHERE and v not in (None, [], {})}
