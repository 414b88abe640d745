"""Approval requests over REST: open, list, read, approve, reject, withdraw. Who may do
which, segregation of duties and expiry are `ApprovalService`'s; these routes read the
request and shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.deps import ServicesDep, WriteContextDep, json_body
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import ERRORS, ApprovalRequest, ApprovalRequestsOut
from mlgraph.errors import BadRequest

router = APIRouter(prefix="/api/v1", tags=["approvals"], responses=ERRORS)

_FIELDS = {"model", "target", "evidence", "comment"}


def _object(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unknown = set(body) - allowed
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(sorted(unknown))}; send {', '.join(sorted(allowed))}"
        )
    return body


@router.post("/approvals", response_model=ApprovalRequest, name="request_approval")
async def request_approval(
    services: ServicesDep, ctx: WriteContextDep, body: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Ask for a model version (`model`, an mlModel URN) to move into a protected
    `target` (`stage:Production`, `alias:champion`), with `evidence` (a list of
    `{label, link}`: an evaluation run, the model card, a report URL) and a `comment`."""
    b = _object(body, _FIELDS)
    if not isinstance(b.get("model"), str):
        raise BadRequest("model: required, the URN of the model version")
    if not isinstance(b.get("target", "stage:Production"), str):
        raise BadRequest("target: a string such as stage:Production or alias:champion")
    made = await run_in_threadpool(
        services.approvals.request,
        ctx,
        b["model"],
        b.get("target", "stage:Production"),
        b.get("evidence"),
        b.get("comment"),
    )
    return JSONResponse(made)


@router.get("/approvals", response_model=ApprovalRequestsOut, name="list_approvals")
async def list_approvals(
    services: ServicesDep,
    state: str | None = None,
    model: str | None = None,
    requester: str | None = None,
) -> JSONResponse:
    """Approval requests, newest first: all, or by `state` (pending, approved, rejected,
    withdrawn, expired), `model` and `requester`."""
    found = await run_in_threadpool(
        services.approvals.list, state=state, model=model, requester=requester
    )
    return JSONResponse({"requests": found})


@router.get("/approvals/{request_id}", response_model=ApprovalRequest, name="get_approval")
async def get_approval(services: ServicesDep, request_id: str) -> JSONResponse:
    """One approval request and its decision."""
    return JSONResponse(await run_in_threadpool(services.approvals.get, request_id))


def _comment(body: Annotated[Any, Depends(json_body)]) -> Any:
    """The decision's body: `{"comment": ...}` (or `{}`)."""
    return _object(body, {"comment"}).get("comment")


CommentDep = Annotated[Any, Depends(_comment)]


@router.post(
    "/approvals/{request_id}/approve", response_model=ApprovalRequest, name="approve_request"
)
async def approve(
    services: ServicesDep,
    ctx: WriteContextDep,
    request_id: str,
    comment: CommentDep,
) -> JSONResponse:
    """Approve a pending request (the approver role; not its requester)."""
    got = await run_in_threadpool(services.approvals.decide, ctx, request_id, True, comment)
    return JSONResponse(got)


@router.post(
    "/approvals/{request_id}/reject", response_model=ApprovalRequest, name="reject_request"
)
async def reject(
    services: ServicesDep,
    ctx: WriteContextDep,
    request_id: str,
    comment: CommentDep,
) -> JSONResponse:
    """Reject a pending request, saying why in `comment` (the approver role)."""
    got = await run_in_threadpool(services.approvals.decide, ctx, request_id, False, comment)
    return JSONResponse(got)


@router.post(
    "/approvals/{request_id}/withdraw", response_model=ApprovalRequest, name="withdraw_request"
)
async def withdraw(
    services: ServicesDep,
    ctx: WriteContextDep,
    request_id: str,
    comment: CommentDep,
) -> JSONResponse:
    """Withdraw a request that is not used yet (its requester, or an admin)."""
    got = await run_in_threadpool(services.approvals.withdraw, ctx, request_id, comment)
    return JSONResponse(got)
