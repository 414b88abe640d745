"""Light curation from the entity page: description, tags, owners, glossary terms,
domain and, for a model, the model groups it is a version of. Each HTML form becomes a
JSON Patch proposal handed to `WriteService.apply`, the one write path every door uses
(so its policies hold here too), carrying the aspect version the form was read at so a
concurrent change is refused rather than overwritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlgraph.api.caller import write_context
from mlgraph.api.deps import ServicesDep
from mlgraph.errors import InvalidInput, MlgraphError
from mlgraph.model.urn import Urn, encode_part
from mlgraph.services.entities import EntityView
from mlgraph.services.proposals import Door, Op, Proposal
from mlgraph.ui.forms import read_form
from mlgraph.ui.header import header, value_of
from mlgraph.ui.templating import entity_url, error_page

router = APIRouter()


def _urns(text: str, prefix: str) -> list[str]:
    """`fraud, urn:li:tag:pii` -> tag URNs, in order, once each, each one checked."""
    out: dict[str, None] = {}
    for raw in text.split(","):
        name = raw.strip()
        if name:
            urn = name if name.startswith("urn:li:") else f"{prefix}{name}"
            Urn.parse(urn)
            out[urn] = None
    return list(out)


def _keep(existing: list[dict[str, Any]], field: str, urns: list[str], **new: Any) -> list[Any]:
    """The new list of associations, keeping what an existing one carried (an owner's
    type, a tag's context) and giving new ones `new`'s fields."""
    by_urn = {e.get(field): e for e in existing}
    return [by_urn.get(u) or {field: u, **new} for u in urns]


def _description(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    aspect = header(view).description_aspect
    if aspect is None:
        raise InvalidInput(f"a {view.row.entity_type} has no description to edit")
    text = text.strip()
    if text:
        return aspect, [{"op": "add", "path": "/description", "value": text}]
    has = "description" in value_of(view, aspect)
    return aspect, [{"op": "remove", "path": "/description"}] if has else []


def _tags(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    old = value_of(view, "globalTags").get("tags", [])
    tags = _keep(old, "tag", _urns(text, "urn:li:tag:"))
    return "globalTags", [{"op": "add", "path": "/tags", "value": tags}]


def _owners(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    old = value_of(view, "ownership").get("owners", [])
    owners = _keep(old, "owner", _urns(text, "urn:li:corpuser:"), type="TECHNICAL_OWNER")
    return "ownership", [{"op": "add", "path": "/owners", "value": owners}]


def _terms(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    old = value_of(view, "glossaryTerms").get("terms", [])
    terms = _keep(old, "urn", _urns(text, "urn:li:glossaryTerm:"))
    return "glossaryTerms", [{"op": "add", "path": "/terms", "value": terms}]


def _domain(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    domains = _urns(text, "urn:li:domain:")
    if len(domains) > 1:
        raise InvalidInput("an entity belongs to one domain; name one")
    return "domains", [{"op": "add", "path": "/domains", "value": domains}]


def _groups(view: EntityView, text: str) -> tuple[str, list[dict[str, Any]]]:
    """A model's groups: names (on the model's own platform and environment) or URNs.
    Joining a group registers the model as a version of it."""
    row = view.row
    if row.entity_type != "mlModel":
        raise InvalidInput(f"a {row.entity_type} is not a model version; only models join groups")
    prefix = f"urn:li:mlModelGroup:(urn:li:dataPlatform:{row.platform or 'unknown'},"
    groups = [
        u if u.startswith("urn:li:") else f"{prefix}{encode_part(u)},{row.env or 'PROD'})"
        for u in (name.strip() for name in text.split(","))
        if u
    ]
    for urn in groups:
        if Urn.parse(urn).entity_type != "mlModelGroup":
            raise InvalidInput(f"{urn} is not a model group")
    groups = list(dict.fromkeys(groups))
    if groups:
        return "mlModelProperties", [{"op": "add", "path": "/groups", "value": groups}]
    has = "groups" in value_of(view, "mlModelProperties")
    return "mlModelProperties", [{"op": "remove", "path": "/groups"}] if has else []


FIELDS: dict[str, Callable[[EntityView, str], tuple[str, list[dict[str, Any]]]]] = {
    "description": _description,
    "tags": _tags,
    "owners": _owners,
    "terms": _terms,
    "domain": _domain,
    "group": _groups,
}


@router.post("/edit/{field}/{urn:path}", response_class=HTMLResponse, name="ui_edit")
async def edit(field: str, urn: str, request: Request, services: ServicesDep) -> Response:
    try:
        form = await read_form(request)
        build = FIELDS.get(field)
        if build is None:
            raise InvalidInput(f"{field!r} is not editable here; edit {', '.join(FIELDS)}")
        view = await run_in_threadpool(services.entities.get, urn)
        aspect, patch = build(view, form.get("value", ""))
        expected = form.get("expected_version", "")
        proposal = Proposal(
            Op.PATCH,
            urn,
            aspect,
            patch=patch,
            expected_version=int(expected) if expected.isdigit() else None,
        )
        ctx = write_context(request, Door.UI)
        if patch:
            await run_in_threadpool(services.writes.apply_one, proposal, ctx)
    except MlgraphError as exc:
        return error_page(exc)
    return RedirectResponse(entity_url(urn, tab="edit", saved=field), status_code=303)
