"""`mlgraph approvals list|request|approve|reject|withdraw`: approval requests for moving
a model version into a protected stage or alias, through the SDK."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from mlgraph.cli.catalog import connected, url_option
from mlgraph.cli.lineage import short
from mlgraph.sdk.lineage_types import ApprovalRequest


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _show(r: ApprovalRequest) -> None:
    click.echo(f"{r.id}  {r.state:<9} {short(r.model)} -> {r.target}")
    click.echo(f"  requested by {short(r.requester)} at {_when(r.created_at)}")
    if r.comment:
        click.echo(f"  comment: {r.comment}")
    for e in r.evidence:
        click.echo(f"  evidence: {e.label + ': ' if e.label else ''}{e.link}")
    if r.decided_by:
        verb = {"approved": "approved", "rejected": "rejected", "withdrawn": "withdrawn"}.get(
            r.state, "decided"
        )
        click.echo(f"  {verb} by {short(r.decided_by)} at {_when(r.decided_at)}")
        if r.decision_comment:
            click.echo(f"  decision: {r.decision_comment}")
    if r.applied_at:
        click.echo(f"  used for the move at {_when(r.applied_at)}")


@click.group()
def approvals() -> None:
    """Approval requests: a model version moves into Production (or `champion`) only
    once an approver other than its requester approves."""


@approvals.command("list")
@click.option("--state", help="pending, approved, rejected, withdrawn or expired.")
@click.option("--model", help="Only the requests for this model version (URN).")
@url_option
def list_(state: str | None, model: str | None, url: str) -> None:
    """Approval requests, newest first."""
    with connected(url) as client:
        found = client.approvals.list(state=state, model=model)
    if not found:
        click.echo("no approval requests")
    for r in found:
        _show(r)


@approvals.command()
@click.argument("model")
@click.option(
    "--target", default="stage:Production", show_default=True, help="stage:<name> or alias:<name>."
)
@click.option(
    "--evidence",
    "-e",
    multiple=True,
    help="A URN (evaluation run, model card) or an http(s) URL; label it as LABEL=LINK.",
)
@click.option("--comment", "-m", help="Why it is ready.")
@url_option
def request(
    model: str, target: str, evidence: tuple[str, ...], comment: str | None, url: str
) -> None:
    """Ask for MODEL (a model version URN) to move into a protected stage or alias."""
    items: list[tuple[str, str]] = []
    for e in evidence:
        label, sep, link = e.partition("=")
        items.append((label, link) if sep and not label.startswith(("urn:", "http")) else ("", e))
    with connected(url) as client:
        made = client.approvals.request(model, target, evidence=items, comment=comment)
    _show(made)


@approvals.command()
@click.argument("request_id")
@click.option("--comment", "-m", help="What you checked.")
@url_option
def approve(request_id: str, comment: str | None, url: str) -> None:
    """Approve a pending request (the approver role; not your own request)."""
    with connected(url) as client:
        _show(client.approvals.approve(request_id, comment))


@approvals.command()
@click.argument("request_id")
@click.option("--comment", "-m", help="Why not.")
@url_option
def reject(request_id: str, comment: str | None, url: str) -> None:
    """Reject a pending request (the approver role)."""
    with connected(url) as client:
        _show(client.approvals.reject(request_id, comment))


@approvals.command()
@click.argument("request_id")
@click.option("--comment", "-m")
@url_option
def withdraw(request_id: str, comment: str | None, url: str) -> None:
    """Withdraw your request before it is used."""
    with connected(url) as client:
        _show(client.approvals.withdraw(request_id, comment))


COMMANDS = (approvals,)
