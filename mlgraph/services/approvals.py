"""Approvals as records: moving a model version into a protected stage or alias
(Production and `champion` unless its model group says otherwise) takes an approval
request — who asks, for which version and target, on what evidence — decided by an
approver who is not the requester (admins included: segregation of duties).

`ProtectedMoves` is the write policy that holds the line on every door: with
authentication on, a batch that moves a version into a protected target is refused
unless an approved, unused, unexpired request allows it, and the request is marked used
in the same transaction. With authentication off nobody is anyone, so moves are not
gated; a move an approval covers still uses it, and "is this model approved" answers
from records either way — a stage or a tag alone approves nothing.

A model group chooses its protected targets with the custom properties
`mlgraph.protected_stages` and `mlgraph.protected_aliases` (comma-separated; empty
protects none); `Settings.protected_stages` / `protected_aliases` are the default.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from mlgraph.config import Settings
from mlgraph.errors import Conflict, Forbidden, InvalidInput, MlgraphError, NotFound, Unauthorized
from mlgraph.model.registry import parse_urn
from mlgraph.model.stages import (
    alias_target,
    aliases_of,
    parse_target,
    stage_target,
    stages_of,
    targets_held,
)
from mlgraph.model.urn import Urn
from mlgraph.services.access import SIGN_IN, owners_of, refuse
from mlgraph.services.audit import AuditKind, AuditLog, entry
from mlgraph.services.entities import EntityService
from mlgraph.services.principal import Permission
from mlgraph.services.proposals import WriteContext
from mlgraph.services.writes import now_ms
from mlgraph.store.approval_store import ApprovalRow, ApprovalStore
from mlgraph.store.aspect_store import AspectStore

if TYPE_CHECKING:
    from mlgraph.services.policies import PendingWrite

STAGES_PROPERTY = "mlgraph.protected_stages"
ALIASES_PROPERTY = "mlgraph.protected_aliases"
MAX_EVIDENCE = 20
MAX_COMMENT = 4000
DAY_MS = 86_400_000


def protected_targets(settings: Settings, group_props: dict[str, Any] | None) -> set[str]:
    """The targets a model group protects: its own lists where it sets them, else the
    settings' defaults."""
    custom = (group_props or {}).get("customProperties") or {}

    def listed(key: str, default: Sequence[str]) -> list[str]:
        if key not in custom:
            return list(default)
        return [t.strip() for t in str(custom[key]).split(",") if t.strip()]

    stages = listed(STAGES_PROPERTY, settings.protected_stages)
    aliases = listed(ALIASES_PROPERTY, settings.protected_aliases)
    return {stage_target(s) for s in stages} | {alias_target(a) for a in aliases}


def _label(target: str) -> str:
    kind, _, name = target.partition(":")
    return name if kind == "stage" else f"alias {name}"


def how_to_request(model: str, target: str) -> str:
    return (
        f"moving {model} into {target} takes an approved approval request: open one with "
        f"`mlgraph approvals request {model} --target {target}` (or POST /api/v1/approvals), "
        "and have an approver other than you approve it"
    )


class ProtectedMoves:
    """The write policy: protected moves need an approved request (see the module)."""

    name = "approvals"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self, write: PendingWrite) -> None:
        entering: dict[str, set[str]] = {}
        for change in write.changed("globalTags"):
            if change.entity_type == "mlModel" and change.after is not None:
                new = set(stages_of(change.after)) - set(stages_of(change.before))
                entering.setdefault(change.urn, set()).update(stage_target(s) for s in new)
        for change in write.changed("versionProperties"):
            if change.entity_type == "mlModel" and change.after is not None:
                new = set(aliases_of(change.after)) - set(aliases_of(change.before))
                entering.setdefault(change.urn, set()).update(alias_target(a) for a in new)
        entering = {m: t for m, t in entering.items() if t}
        if not entering:
            return
        models = sorted(entering)
        props = write.values(models, "mlModelProperties")
        group_of = {m: ((props.get(m) or {}).get("groups") or [None])[0] for m in models}
        groups = sorted({g for g in group_of.values() if isinstance(g, str)})
        group_props = write.values(groups, "mlModelGroupProperties") if groups else {}
        enforce = write.ctx.principal is not None
        for model in models:
            group = group_of[model]
            guarded = protected_targets(self.settings, group_props.get(group) if group else None)
            for target in sorted(entering[model] & guarded):
                self._allow(write, model, target, enforce)

    def _allow(self, write: PendingWrite, model: str, target: str, enforce: bool) -> None:
        row = write.tx.usable_approval(model, target, write.now)
        if row is not None:
            rid, now = row.id, write.now
            write.also(lambda tx: tx.mark_approval_applied(rid, now))
            write.audit(
                AuditKind.APPROVAL_APPLIED,
                model,
                {"request": row.id, "target": target, "approved_by": row.decided_by},
            )
            return
        if enforce:
            raise Forbidden(
                f"approval required: {how_to_request(model, target)}",
                details={"permission": "approval", "urn": model, "target": target},
            )


def _evidence(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_EVIDENCE:
        raise InvalidInput(f"evidence: a list of at most {MAX_EVIDENCE} {{label, link}} objects")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"label": "", "link": item}
        if not isinstance(item, dict) or not isinstance(item.get("link"), str):
            raise InvalidInput(f"evidence[{i}]: an object with a `link` (a URN or an http(s) URL)")
        link, label = item["link"].strip(), str(item.get("label") or "").strip()
        if len(link) > 2000 or len(label) > 200:
            raise InvalidInput(f"evidence[{i}]: a link has at most 2000 characters, a label 200")
        if not link.startswith(("http://", "https://")):
            try:
                Urn.parse(link)
            except (ValueError, MlgraphError):
                raise InvalidInput(
                    f"evidence[{i}].link: {link[:80]!r} is neither a URN nor an http(s) URL"
                ) from None
        out.append({"label": label, "link": link})
    return out


def _comment(raw: Any, field: str = "comment") -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_COMMENT:
        raise InvalidInput(f"{field}: a string of at most {MAX_COMMENT} characters")
    return raw.strip() or None


def state_of(row: ApprovalRow, now: int) -> str:
    """A request's state as of `now`: an open or unused request lapses at its expiry."""
    if row.state in ("pending", "approved") and row.applied_at is None and row.expires_at <= now:
        return "expired"
    return row.state


def view(row: ApprovalRow, now: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "model": row.model_urn,
        "group": row.group_urn,
        "target": row.target,
        "requester": row.requester,
        "comment": row.comment,
        "evidence": row.evidence,
        "state": state_of(row, now),
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "decision_comment": row.decision_comment,
        "applied_at": row.applied_at,
    }


class ApprovalService:
    def __init__(
        self,
        store: ApprovalStore,
        aspects: AspectStore,
        entities: EntityService,
        settings: Settings,
        audit: AuditLog,
    ) -> None:
        self.store = store
        self.aspects = aspects
        self.entities = entities
        self.settings = settings
        self.audit = audit

    def _read(self, urns: Sequence[str], *names: str) -> dict[str, dict[str, Any]]:
        raw = self.aspects.latest_many(list(urns), names)
        return {u: {a: orjson.loads(v) for a, v in d.items()} for u, d in raw.items()}

    def _deny(self, ctx: WriteContext, error: MlgraphError) -> MlgraphError:
        self.audit.denied(ctx, error, now_ms())
        return error

    def _model(self, urn: str) -> tuple[str | None, dict[str, Any]]:
        _, spec, _ = parse_urn(urn)
        if spec.name != "mlModel":
            raise InvalidInput(f"approvals are for model versions (mlModel), not a {spec.name}")
        names = (
            "mlModelProperties",
            "ownership",
            "globalTags",
            "versionProperties",
            "deprecation",
            "status",
        )
        aspects = self._read([urn], *names).get(urn)
        if aspects is None and self.aspects.entity(urn) is None:
            raise NotFound(f"no model {urn}")
        aspects = aspects or {}
        groups = (aspects.get("mlModelProperties") or {}).get("groups") or [None]
        return groups[0], aspects

    # requests

    def request(
        self,
        ctx: WriteContext,
        model: str,
        target: str,
        evidence: Any = None,
        comment: Any = None,
    ) -> dict[str, Any]:
        parsed = parse_target(target) if isinstance(target, str) else None
        if parsed is None:
            raise InvalidInput(
                f"target: {str(target)[:80]!r} is not a target; use stage:<Staging|Production> "
                "or alias:<name>"
            )
        target = f"{parsed[0]}:{parsed[1]}"
        links, note = _evidence(evidence), _comment(comment)
        group, aspects = self._model(model)
        group_props = self._read([group], "mlModelGroupProperties").get(group, {}) if group else {}
        guarded = protected_targets(self.settings, group_props.get("mlModelGroupProperties"))
        if target not in guarded:
            shown = ", ".join(sorted(guarded)) or "nothing"
            raise InvalidInput(
                f"{target} is not protected for this model (its group protects {shown}): "
                "move it directly"
            )
        self._may_request(ctx, model, group, aspects)
        now = now_ms()
        for row in self.store.list(states=("pending", "approved"), models=[model]):
            open_now = state_of(row, now) in ("pending", "approved") and row.applied_at is None
            if row.target == target and open_now:
                raise Conflict(
                    f"request {row.id} for {target} is already {state_of(row, now)}; "
                    "withdraw it first to open another",
                    details={"request": row.id},
                )
        row = ApprovalRow(
            id=secrets.token_hex(8),
            model_urn=model,
            group_urn=group,
            target=target,
            requester=ctx.actor,
            comment=note,
            evidence=links,
            state="pending",
            created_at=now,
            expires_at=now + self.settings.approval_days * DAY_MS,
        )
        detail = {"request": row.id, "target": target, "evidence": links}
        self.store.add(row, entry(AuditKind.APPROVAL_REQUESTED, ctx, now, urn=model, detail=detail))
        return view(row, now)

    def _may_request(
        self, ctx: WriteContext, model: str, group: str | None, aspects: dict[str, Any]
    ) -> None:
        who = ctx.principal
        if who is None or who.is_admin or who.can(Permission.CREATE):
            return
        if not who.authenticated:
            raise self._deny(ctx, Unauthorized(SIGN_IN))
        owners = owners_of(aspects.get("ownership"))
        if group:
            owners |= owners_of(self._read([group], "ownership").get(group, {}).get("ownership"))
        if owners & {who.urn, *who.groups}:
            return
        raise self._deny(
            ctx,
            refuse(
                who,
                Permission.EDIT,
                model,
                "requesting an approval takes the editor role or owning the model",
            ),
        )

    def get(self, request_id: str) -> dict[str, Any]:
        row = self.store.get(request_id)
        if row is None:
            raise NotFound(f"no approval request {request_id}")
        return view(row, now_ms())

    def list(
        self,
        *,
        state: str | None = None,
        model: str | None = None,
        requester: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        states = {"pending", "approved", "rejected", "withdrawn", "expired"}
        if state is not None and state not in states:
            raise InvalidInput(f"state: {state!r} is not one of {', '.join(sorted(states))}")
        if model is not None:
            parse_urn(model)
        stored = (state,) if state and state != "expired" else ("pending", "approved")
        rows = self.store.list(
            states=stored if state else (),
            models=[model] if model else (),
            requester=requester,
            limit=limit,
        )
        now = now_ms()
        out = [view(r, now) for r in rows]
        return [v for v in out if state is None or v["state"] == state]

    def decide(
        self, ctx: WriteContext, request_id: str, approve: bool, comment: Any = None
    ) -> dict[str, Any]:
        note = _comment(comment)
        row = self.store.get(request_id)
        if row is None:
            raise NotFound(f"no approval request {request_id}")
        who = ctx.principal
        verb = "approve" if approve else "reject"
        if who is not None and not who.authenticated:
            raise self._deny(ctx, Unauthorized(SIGN_IN))
        if who is not None and not who.can(Permission.APPROVE):
            raise self._deny(
                ctx,
                refuse(
                    who, Permission.APPROVE, row.model_urn, f"to {verb} it takes the approver role"
                ),
            )
        if who is None and ctx.actor == self.settings.default_actor:
            raise self._deny(
                ctx,
                Forbidden(
                    f"an approval must be decided by someone: name yourself (X-Mlgraph-Actor) "
                    f"or sign in; {ctx.actor} is nobody in particular",
                    details={"permission": str(Permission.APPROVE), "urn": row.model_urn},
                ),
            )
        if ctx.actor == row.requester:
            raise self._deny(
                ctx,
                Forbidden(
                    f"segregation of duties: {ctx.actor} requested {request_id} and may not "
                    f"{verb} it; another approver must",
                    details={"permission": str(Permission.APPROVE), "urn": row.model_urn},
                ),
            )
        now = now_ms()
        current = state_of(row, now)
        if current != "pending":
            raise Conflict(f"request {request_id} is {current}, not pending: it cannot be decided")
        to = "approved" if approve else "rejected"
        kind = AuditKind.APPROVAL_APPROVED if approve else AuditKind.APPROVAL_REJECTED
        detail = {"request": request_id, "target": row.target, "comment": note}
        audit = entry(kind, ctx, now, urn=row.model_urn, detail=detail)
        done = self.store.decide(
            request_id,
            from_state="pending",
            to_state=to,
            by=ctx.actor,
            now=now,
            comment=note,
            audit=audit,
        )
        if not done:
            raise Conflict(f"request {request_id} was decided meanwhile; reload it")
        return self.get(request_id)

    def withdraw(self, ctx: WriteContext, request_id: str, comment: Any = None) -> dict[str, Any]:
        note = _comment(comment)
        row = self.store.get(request_id)
        if row is None:
            raise NotFound(f"no approval request {request_id}")
        who = ctx.principal
        if who is not None and not who.authenticated:
            raise self._deny(ctx, Unauthorized(SIGN_IN))
        if ctx.actor != row.requester and not (who is not None and who.is_admin):
            raise self._deny(
                ctx,
                Forbidden(
                    f"only its requester ({row.requester}) or an admin may withdraw {request_id}",
                    details={"permission": "withdraw", "urn": row.model_urn},
                ),
            )
        now = now_ms()
        current = state_of(row, now)
        if current not in ("pending", "approved") or row.applied_at is not None:
            raise Conflict(f"request {request_id} is {current}: there is nothing to withdraw")
        detail = {"request": request_id, "target": row.target, "comment": note}
        audit = entry(AuditKind.APPROVAL_WITHDRAWN, ctx, now, urn=row.model_urn, detail=detail)
        if not self.store.decide(
            request_id,
            from_state=row.state,
            to_state="withdrawn",
            by=ctx.actor,
            now=now,
            comment=note,
            audit=audit,
        ):
            raise Conflict(f"request {request_id} was decided meanwhile; reload it")
        return self.get(request_id)

    # the answer

    def status(self, urn: str) -> dict[str, Any]:
        """Is this model approved for production: where it stands, who approved it,
        when, on what evidence, and whether that approval still holds."""
        group, aspects = self._model(urn)
        held = targets_held(aspects.get("globalTags"), aspects.get("versionProperties"))
        stages = list(
            dict.fromkeys(
                aliases_of(aspects.get("versionProperties")) + stages_of(aspects.get("globalTags"))
            )
        )
        group_props = self._read([group], "mlModelGroupProperties").get(group, {}) if group else {}
        guarded = protected_targets(self.settings, group_props.get("mlModelGroupProperties"))
        now = now_ms()
        rows = self.store.list(models=[urn], limit=1000)
        applied = [r for r in rows if r.state == "approved" and r.applied_at is not None]
        holding = [r for r in applied if r.target in held & guarded]
        reasons: list[str] = []
        if "stage:Archived" in held:
            reasons.append("Archived: it may no longer be deployed")
        elif not held & guarded:
            shown = " or ".join(_label(t) for t in sorted(guarded)) or "a protected stage"
            reasons.append(f"not in {shown}")
        elif not holding:
            shown = ", ".join(_label(t) for t in sorted(held & guarded))
            reasons.append(f"in {shown} without an approval on record")
        if (aspects.get("deprecation") or {}).get("deprecated"):
            reasons.append("deprecated")
        if (aspects.get("status") or {}).get("removed"):
            reasons.append("soft-deleted")
        approval = max(holding, key=lambda r: r.applied_at or 0) if holding else None
        if approval is not None and group:
            newer = self._superseded_by(urn, group, approval)
            if newer:
                reasons.append(f"superseded by {newer}, approved into {approval.target} later")
        last = approval or (max(applied, key=lambda r: r.applied_at or 0) if applied else None)
        return {
            "urn": urn,
            "approved": not reasons,
            "stages": stages,
            "reasons": reasons,
            "approval": view(last, now) if last else None,
            "pending": [view(r, now) for r in rows if state_of(r, now) == "pending"],
        }

    def _superseded_by(self, urn: str, group: str, approval: ApprovalRow) -> str | None:
        members = [
            r["urn"]
            for r in self.entities.relationships(group, direction="incoming", types=["MemberOf"])
            if r["urn"] != urn
        ]
        if not members:
            return None
        aspects = self._read(members, "globalTags", "versionProperties")
        rivals = [
            m
            for m in members
            if approval.target
            in targets_held(
                aspects.get(m, {}).get("globalTags"), aspects.get(m, {}).get("versionProperties")
            )
        ]
        later = []
        for m in rivals:
            for r in self.store.list(models=[m], states=("approved",), limit=100):
                if r.target == approval.target and (r.applied_at or 0) > (approval.applied_at or 0):
                    later.append((r.applied_at, m))
        return max(later)[1] if later else None
