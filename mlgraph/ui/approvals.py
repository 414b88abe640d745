"""Approval requests in the UI: the list (pending first), a request's page with its
evidence, the model's training lineage and approval status, and the approve / reject /
withdraw forms. Each decision goes to `ApprovalService` as the REST API's does, so
segregation of duties, the approver role and expiry hold here the same way."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlgraph.api.caller import write_context
from mlgraph.api.deps import ServicesDep
from mlgraph.errors import InvalidInput, MlgraphError
from mlgraph.runtime import Services
from mlgraph.services.principal import Permission
from mlgraph.services.proposals import Door
from mlgraph.ui.forms import current, read_form
from mlgraph.ui.templating import error_page, html_errors, render

router = APIRouter()

STATES = ("pending", "approved", "rejected", "withdrawn", "expired")
ACTIONS = ("approve", "reject", "withdraw")


@router.get("/approvals", response_class=HTMLResponse, name="ui_approvals")
@html_errors
def approvals_page(services: ServicesDep, state: str = "pending") -> HTMLResponse:
    shown = None if state == "all" else state
    found = services.approvals.list(state=shown)
    return render("approvals.html", title="Approvals", requests=found, state=state, states=STATES)


def _about(services: Services, model: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The model's approval status and training lineage (None: it is gone since; the
    request's page still shows)."""
    try:
        return services.approvals.status(model), services.provenance.training_data(model)
    except MlgraphError:
        return None, None


@router.get("/approvals/{request_id}", response_class=HTMLResponse, name="ui_approval")
@html_errors
def approval_page(request_id: str, services: ServicesDep, done: str = "") -> HTMLResponse:
    req = services.approvals.get(request_id)
    page = current()
    who = page.principal if page else None
    open_ = req["state"] == "pending"
    mine = who is not None and who.urn == req["requester"]
    status, lineage = _about(services, req["model"])
    return render(
        "approval.html",
        title=f"Approval request {request_id}",
        req=req,
        approval_status=status,
        lineage=lineage,
        # Offered where the server would accept them (it checks again either way).
        may_decide=open_ and not mine and (who is None or who.can(Permission.APPROVE)),
        may_withdraw=req["state"] in ("pending", "approved")
        and req["applied_at"] is None
        and (who is None or mine or who.is_admin),
        done=done if done in ACTIONS else "",
    )


@router.post("/approvals/{request_id}/{action}", response_class=HTMLResponse, name="ui_decide")
async def decide(request_id: str, action: str, request: Request, services: ServicesDep) -> Response:
    try:
        form = await read_form(request)
        if action not in ACTIONS:
            raise InvalidInput(f"{action!r}: a request is approved, rejected or withdrawn")
        ctx = write_context(request, Door.UI)
        comment = form.get("comment") or None
        approvals = services.approvals
        if action == "withdraw":
            await run_in_threadpool(approvals.withdraw, ctx, request_id, comment)
        else:
            approve = action == "approve"
            await run_in_threadpool(approvals.decide, ctx, request_id, approve, comment)
    except MlgraphError as exc:
        return error_page(exc)
    return RedirectResponse(f"/approvals/{request_id}?done={action}", status_code=303)
