"""The lineage explorer (an interactive graph centred on one entity, expanded in the
browser through the REST lineage API) and the lineage diff of two models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlgraph.api.deps import ServicesDep
from mlgraph.errors import NotFound
from mlgraph.model.registry import parse_urn
from mlgraph.services.lineage import LineageQuery
from mlgraph.ui.header import display_name
from mlgraph.ui.templating import html_errors, render

router = APIRouter()

# The first view: one hop each way. More comes on demand, a click at a time.
FIRST_VIEW_NODES = 500
# Models the lineage diff's pickers suggest before the user types.
PICKER_MODELS = 20


@router.get("/lineage/{urn:path}", response_class=HTMLResponse, name="ui_lineage")
@html_errors
def lineage_page(urn: str, request: Request, services: ServicesDep) -> HTMLResponse:
    _, spec, key = parse_urn(urn)
    first = services.lineage.walk(
        LineageQuery(urn, "both", depth=1, max_nodes=FIRST_VIEW_NODES)
    ).to_dict()
    ancestry = None
    if request.query_params.get("ancestry"):
        # Seed 004: a deployment's whole ancestry, back to its datasets, in one click.
        ancestry = services.provenance.ancestry(urn).to_dict()
    try:
        name = display_name(services.entities.get(urn))
    except NotFound:  # referenced only (a column): lineage still has it
        name = key.name
    data: dict[str, Any] = {
        "root": urn,
        "root_type": spec.name,
        "root_name": name,
        "graph": first,
        "ancestry": ancestry,
    }
    return render("lineage.html", title=f"Lineage: {name}", urn=urn, name=name, data=data)


@router.get("/compare", response_class=HTMLResponse, name="ui_compare")
@html_errors
def compare_page(request: Request, services: ServicesDep) -> HTMLResponse:
    a = request.query_params.get("a", "")
    b = request.query_params.get("b", "")
    result = services.comparison.compare(a, b) if a and b else None
    # The pickers start with the models changed last (an index walk, not a sort of
    # every model) and search the rest as the user types (static/js/picker.js).
    recent = [
        {"urn": view.row.urn, "display_name": display_name(view)}
        for view in services.entities.recently_changed(PICKER_MODELS, entity_type="mlModel")
    ]
    return render("compare.html", title="Lineage diff", a=a, b=b, result=result, recent=recent)
