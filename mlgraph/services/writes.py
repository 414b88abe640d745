"""The one write path: validate a batch of proposals, work out what it changes, let
every policy see that, then apply it in a single transaction — aspects, their history,
entity rows and derived edges together, or nothing at all."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonpatch
import orjson
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from mlgraph.errors import Conflict, Forbidden, InvalidInput, MlgraphError, NotFound, Unauthorized
from mlgraph.model.fields import MetricPoints
from mlgraph.model.registry import (
    ASPECTS,
    AspectSpec,
    EntityKey,
    EntitySpec,
    aspect_spec,
    parse_urn,
)
from mlgraph.model.urn import Urn
from mlgraph.services.audit import AuditKind, AuditLog, entry
from mlgraph.services.indexing import aspect_properties, aspect_text, words
from mlgraph.services.policies import AspectChange, Policy
from mlgraph.services.proposals import Op, Proposal, WriteContext, WriteResult
from mlgraph.store.aspect_store import AspectStore, StaleWrite, StoredAspect, WriteTx
from mlgraph.store.audit_store import AuditEntry
from mlgraph.store.external_ids import ExternalId

_RETRIES = 3
_ASPECT_OPS = (Op.UPSERT, Op.PATCH, Op.DELETE_ASPECT)

Edge = tuple[str, str, str | None]  # (relationship, target URN, lineage direction)


def now_ms() -> int:
    return int(time.time() * 1000)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: `field.path: message`."""
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err["loc"]) or "(value)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Validated:
    """An aspect value that passed its schema: canonical JSON text plus its edges."""

    text: str
    value: dict[str, Any]
    edges: tuple[Edge, ...]


@dataclass(slots=True)
class _Checked:
    """A proposal whose URN, aspect name and (for upserts) value have been checked."""

    index: int
    proposal: Proposal
    single: bool
    spec: EntitySpec
    key: EntityKey
    aspect: AspectSpec | None
    validated: Validated | None = None
    points: list[dict[str, Any]] | None = None
    claim: ExternalId | None = None

    @property
    def where(self) -> str:
        return _where(self.index, self.proposal, self.single)


def _where(index: int, p: Proposal, single: bool) -> str:
    """How error messages name a proposal (built only when there is an error)."""
    subject = f"{p.op.value} {p.aspect + ' on ' if p.aspect else ''}{p.urn}"
    return subject if single else f"proposals[{index}] ({subject})"


@dataclass(slots=True)
class _KeyState:
    """Working state of one (urn, aspect) while a batch is applied."""

    stored: StoredAspect | None
    text: str | None  # current canonical JSON; None when absent
    version: int
    edges: tuple[Edge, ...] = ()
    parsed: dict[str, Any] | None = None  # the new value as a dict, for the search index
    produced: list[StoredAspect] = field(default_factory=list)

    def value(self) -> dict[str, Any] | None:
        return None if self.text is None else orjson.loads(self.text)


def validate_value(spec: AspectSpec, value: Any, context: str | _Checked) -> Validated:
    """Check a value against its aspect schema and its relationship targets.
    `context` names the proposal in error messages (a string, or the checked proposal
    whose name is built only if there is an error)."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{_label(context)}: the value of {spec.name} must be a JSON object")
    schema = spec.schema
    try:
        # What model_validate and model_dump_json call, minus their Python wrappers.
        model = schema.__pydantic_validator__.validate_python(value)
    except ValidationError as exc:
        raise InvalidInput(
            f"{_label(context)}: invalid {spec.name}: {describe_validation_error(exc)}"
        ) from None
    edges: dict[Edge, None] = {}
    for extract, name, lineage, targets, dotted in _extractors(spec):
        for target in extract(value):
            kind = Urn.parse(target).entity_type
            if targets and kind not in targets:
                raise InvalidInput(
                    f"{_label(context)}: {spec.name}.{dotted} must point at "
                    f"{' or '.join(targets)}, not {kind} ({target})"
                )
            edges[(name, target, lineage)] = None
    text = schema.__pydantic_serializer__.to_json(model, exclude_none=True).decode()
    return Validated(text, value, tuple(edges))


@cache
def _extractors(
    spec: AspectSpec,
) -> tuple[tuple[Callable[[Any], list[Any]], str, str | None, tuple[str, ...], str], ...]:
    """(extract, relationship, lineage, allowed target types, field path) per declared
    relationship, compiled once per aspect."""
    return tuple(
        (
            p.extract,
            p.rel.name,
            p.rel.lineage.value if p.rel.lineage else None,
            p.rel.targets,
            p.dotted,
        )
        for p in spec.relationships
    )


def _metric_points(c: _Checked) -> list[dict[str, Any]]:
    if c.spec.name != "dataProcessInstance":
        raise InvalidInput(f"{c.where}: metric history belongs to runs (dataProcessInstance)")
    try:
        parsed = MetricPoints.model_validate(c.proposal.value)
    except ValidationError as exc:
        raise InvalidInput(
            f"{c.where}: invalid metric points: {describe_validation_error(exc)}"
        ) from None
    urn = c.proposal.urn
    # the fields by name: model_dump() per point cost more than the validation
    return [
        {
            "urn": urn,
            "key": p.key,
            "value": _stored_metric(p.value),
            "is_nan": math.isnan(p.value),
            "timestamp": p.timestamp,
            "step": p.step,
        }
        for p in parsed.points
    ]


def _stored_metric(value: float) -> float:
    """What the store keeps of a point's value, as MLflow does: NaN as 0 (the point's
    `is_nan` says so) and the infinities as the largest finite floats."""
    if math.isnan(value):
        return 0.0
    return math.copysign(sys.float_info.max, value) if math.isinf(value) else value


_CLAIM_FIELDS = {"system": 64, "kind": 64, "key": 255}


def _claim(c: _Checked) -> ExternalId:
    value = c.proposal.value or {}
    for field_name, longest in _CLAIM_FIELDS.items():
        text = value.get(field_name)
        if not isinstance(text, str) or not 0 < len(text) <= longest:
            raise InvalidInput(
                f"{c.where}: {field_name} must be a string of 1 to {longest} characters"
            )
    name = value.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidInput(f"{c.where}: name must be a string")
    return ExternalId(value["system"], value["kind"], value["key"], c.proposal.urn, name)


def _label(context: str | _Checked) -> str:
    return context if isinstance(context, str) else context.where


def _raw(value: Any, where: str) -> Validated:
    """An aspect mlgraph does not model, kept as it came (compat layers only)."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: an aspect value must be a JSON object")
    return Validated(orjson.dumps(value).decode(), value, ())


class WriteService:
    """The one entry point for writes. Every door calls `apply` (or `apply_one`); the
    policies it is built with see every batch."""

    def __init__(
        self, store: AspectStore, policies: Sequence[Policy] = (), audit: AuditLog | None = None
    ) -> None:
        self.audit = audit  # None: writes leave no audit entries (benchmarks of the floor)
        self.store = store
        self.policies = tuple(policies)

    def _check(self, i: int, p: Proposal, single: bool) -> _Checked:
        try:
            _, spec, key = parse_urn(p.urn)
            aspect = None
            if p.aspect is not None and p.op in _ASPECT_OPS and (p.aspect in ASPECTS or p.strict):
                aspect = aspect_spec(spec, p.aspect)
        except MlgraphError as exc:
            raise type(exc)(f"{_where(i, p, single)}: {exc.message}", details=exc.details) from None
        checked = _Checked(i, p, single, spec, key, aspect)
        if p.op is Op.APPEND_METRICS:
            checked.points = _metric_points(checked)
        elif p.op is Op.CLAIM_ID:
            checked.claim = _claim(checked)
        if p.op is Op.UPSERT:
            checked.validated = (
                validate_value(aspect, p.value, checked) if aspect else _raw(p.value, checked.where)
            )
        return checked

    def apply_one(self, proposal: Proposal, ctx: WriteContext | None = None) -> WriteResult:
        """Apply one proposal; error messages name it without a batch index."""
        return self.apply([proposal], ctx, single=True)[0]

    def apply(
        self,
        proposals: Sequence[Proposal],
        ctx: WriteContext | None = None,
        *,
        single: bool = False,
    ) -> list[WriteResult]:
        """Apply a batch atomically. Raises before anything is written if any
        proposal is invalid, and rolls everything back if any fails on apply."""
        ctx = ctx or WriteContext()
        if not proposals:
            return []
        checked = [self._check(i, p, single) for i, p in enumerate(proposals)]
        for attempt in range(_RETRIES):
            try:
                with self.store.transaction() as tx:
                    return _BatchApply(tx, ctx, self.policies, self.audit is not None).run(checked)
            except (Forbidden, Unauthorized) as exc:
                if self.audit is not None:  # the refusal outlives the rolled-back batch
                    self.audit.denied(ctx, exc, now_ms())
                raise
            except (StaleWrite, IntegrityError):
                # Another writer changed one of our rows between our read and write.
                if attempt == _RETRIES - 1:
                    raise Conflict(
                        "the batch collided with concurrent writes to the same aspects; retry it"
                    ) from None
        raise AssertionError("unreachable")


class _BatchApply:
    """One attempt at applying a checked batch inside an open transaction."""

    def __init__(
        self, tx: WriteTx, ctx: WriteContext, policies: Sequence[Policy], audited: bool
    ) -> None:
        self.tx = tx
        self.ctx = ctx
        self.policies = policies
        self.audited = audited
        self.later: list[Callable[[WriteTx], None]] = []  # policies' own statements
        self.now = now_ms()
        self.states: dict[tuple[str, str], _KeyState] = {}
        self.status_changes: dict[str, bool] = {}
        self.platforms: dict[str, str] = {}
        self.hard_deleted: set[str] = set()
        self.new_entities: dict[str, dict[str, Any]] = {}
        self.known: set[str] = set()
        self.points: list[dict[str, Any]] = []
        self.claims: list[ExternalId] = []
        self.unkept: set[tuple[str, str]] = set()  # aspects written without history

    def run(self, checked: list[_Checked]) -> list[WriteResult]:
        keys: list[tuple[str, str]] = []
        for c in checked:
            p = c.proposal
            if p.op in _ASPECT_OPS:
                keys.append((p.urn, p.aspect or ""))
            elif p.op in (Op.APPEND_METRICS, Op.CLAIM_ID):
                continue
            elif p.op is not Op.DELETE_ENTITY or not p.hard:
                keys.append((p.urn, "status"))
        latest = self.tx.latest(keys)
        self.known = set(self.tx.entities([c.proposal.urn for c in checked]))
        # A deleted aspect's numbering continues from its history (one query for all).
        past = self.tx.last_history_versions(
            [k for k in keys if k not in latest and k[0] in self.known]
        )
        for k in keys:
            if k in self.states:
                continue
            stored = latest.get(k)
            if stored is None:
                self.states[k] = _KeyState(None, None, past.get(k, 0))
            else:
                self.states[k] = _KeyState(stored, stored.value, stored.version)
        results = [self._one(c) for c in checked]
        if self.policies:
            pending = _Pending(self)
            for policy in self.policies:
                policy.check(pending)
        self._flush()
        return results

    def _exists(self, urn: str) -> bool:
        return (urn in self.known or urn in self.new_entities) and urn not in self.hard_deleted

    def _expect(self, c: _Checked, state: _KeyState) -> None:
        p = c.proposal
        current = state.version if state.text is not None else 0
        if p.expected_version is not None and p.expected_version != current:
            found = f"version {current}" if current else "no stored value"
            raise Conflict(
                f"{c.where}: expected version {p.expected_version}, found {found}",
                details={
                    "urn": p.urn,
                    "aspect": p.aspect,
                    "expected": p.expected_version,
                    "found": current,
                },
            )

    def _set(self, c: _Checked, state: _KeyState, new: Validated | None) -> WriteResult:
        p = c.proposal
        state.version += 1
        state.text = new.text if new else None
        state.edges = new.edges if new else ()
        state.parsed = new.value if new else None
        state.produced.append(
            StoredAspect(
                p.urn,
                p.aspect or "status",
                state.version,
                state.text,
                self.now,
                self.ctx.actor,
                self.ctx.run_id,
            )
        )
        aspect = p.aspect or "status"
        if aspect == "status":
            self.status_changes[p.urn] = bool(new and new.value.get("removed", False))
        elif aspect == "dataPlatformInstance" and new:
            self.platforms[p.urn] = Urn.parse(new.value["platform"]).parts[0]
        return WriteResult(p.op, p.urn, aspect, state.version, True)

    def _one(self, c: _Checked) -> WriteResult:
        p = c.proposal
        if p.urn in self.hard_deleted:
            raise InvalidInput(f"{c.where}: the entity was hard-deleted earlier in this batch")
        if p.op is Op.APPEND_METRICS:
            self._create_entity(c)
            self.points.extend(c.points or [])
            return WriteResult(p.op, p.urn, None, None, bool(c.points))
        if p.op is Op.CLAIM_ID:
            assert c.claim is not None
            self._create_entity(c)
            self.claims.append(c.claim)
            return WriteResult(p.op, p.urn, None, None, True)
        if p.op is Op.DELETE_ENTITY and p.hard:
            if not self._exists(p.urn):
                raise NotFound(f"{c.where}: no entity {p.urn}")
            self.hard_deleted.add(p.urn)
            return WriteResult(p.op, p.urn, None, None, True)
        if p.op in (Op.DELETE_ENTITY, Op.RESTORE_ENTITY):
            if not self._exists(p.urn):
                raise NotFound(f"{c.where}: no entity {p.urn}")
            state = self.states[(p.urn, "status")]
            status = state.value() or {}
            status["removed"] = p.op is Op.DELETE_ENTITY
            new: Validated | None = validate_value(ASPECTS["status"], status, c)
        else:
            state = self.states[(p.urn, p.aspect or "")]
            if not p.keep_history:
                self.unkept.add((p.urn, p.aspect or ""))
            self._expect(c, state)
            if p.op is Op.DELETE_ASPECT:
                if state.text is None:
                    raise NotFound(f"{c.where}: the entity has no {p.aspect} aspect to delete")
                return self._set(c, state, None)
            new = c.validated if p.op is Op.UPSERT else self._patched(c, state)
        assert new is not None
        if new.text == state.text:
            return WriteResult(p.op, p.urn, p.aspect or "status", state.version, False)
        self._create_entity(c)
        return self._set(c, state, new)

    def _create_entity(self, c: _Checked) -> None:
        p = c.proposal
        if not self._exists(p.urn):
            self.new_entities[p.urn] = {
                "urn": p.urn,
                "entity_type": c.spec.name,
                "platform": c.key.platform,
                "name": c.key.name,
                "env": c.key.env,
                "removed": False,
                "created_at": self.now,
                "updated_at": self.now,
            }

    def _patched(self, c: _Checked, state: _KeyState) -> Validated:
        p = c.proposal
        try:
            doc = jsonpatch.apply_patch(state.value() or {}, p.patch or [], in_place=False)
        except (
            jsonpatch.JsonPatchException,
            jsonpatch.JsonPointerException,
            TypeError,
            KeyError,
        ) as exc:
            raise InvalidInput(f"{c.where}: the patch does not apply: {exc}") from None
        return validate_value(c.aspect, doc, c) if c.aspect else _raw(doc, c.where)

    def _flush(self) -> None:
        tx = self.tx
        # A new entity takes its platform from dataPlatformInstance when its URN has none.
        for urn, row in self.new_entities.items():
            if row["platform"] is None and urn in self.platforms:
                row["platform"] = self.platforms[urn]
        tx.insert_entities(list(self.new_entities.values()))
        inserts: list[dict[str, Any]] = []
        replaces: list[dict[str, Any]] = []
        previous: dict[tuple[str, str], int] = {}
        archive: list[StoredAspect] = []
        edge_deletes: list[tuple[str, str]] = []
        edge_rows: list[dict[str, Any]] = []
        index_deletes: list[tuple[str, str]] = []
        property_rows: list[dict[str, Any]] = []
        docs_to_rebuild: set[str] = set()
        touched: set[str] = set()
        audit: list[AuditEntry] = []
        for key, state in self.states.items():
            if not state.produced or key[0] in self.hard_deleted:
                continue
            touched.add(key[0])
            final = state.produced[-1]
            kept = key not in self.unkept
            if self.audited and kept:
                audit.append(
                    entry(
                        AuditKind.WRITE,
                        self.ctx,
                        self.now,
                        urn=key[0],
                        aspect=key[1],
                        before=state.stored.version if state.stored else None,
                        after=final.version,
                        detail={"deleted": True} if final.value is None else None,
                    )
                )
            if state.stored is not None and kept:
                archive.append(state.stored)
            if kept:
                archive.extend(state.produced[:-1])
            if final.value is None:
                # A deletion: the tombstone goes to history, the latest row goes away.
                if kept:
                    archive.append(final)
                if state.stored is not None:
                    tx.delete_aspect(key[0], key[1], state.stored.version)
            else:
                row = {
                    "urn": final.urn,
                    "aspect": final.aspect,
                    "version": final.version,
                    "value": final.value,
                    "created_at": final.created_at,
                    "actor": final.actor,
                    "run_id": final.run_id,
                }
                if state.stored is not None:
                    previous[key] = state.stored.version
                    replaces.append(row)
                else:
                    inserts.append(row)
            spec = ASPECTS.get(key[1])
            if spec is not None and spec.relationships:
                if state.stored is not None:
                    edge_deletes.append(key)
                edge_rows.extend(
                    {
                        "source_urn": key[0],
                        "aspect": key[1],
                        "rel": rel,
                        "target_urn": target,
                        "lineage": lineage,
                    }
                    for rel, target, lineage in state.edges
                )
            if spec is not None and spec.indexed:
                if state.stored is not None:
                    index_deletes.append(key)
                if state.parsed is not None:
                    property_rows.extend(aspect_properties(key[0], spec, state.parsed))
                if spec.searchable:
                    docs_to_rebuild.add(key[0])
        tx.insert_aspects(inserts)
        tx.replace_aspects(replaces, previous)
        tx.archive(archive)
        tx.delete_edges(edge_deletes)
        tx.insert_edges(edge_rows)
        tx.insert_metric_points([p for p in self.points if p["urn"] not in self.hard_deleted])
        tx.claim_ids([i for i in self.claims if i.urn not in self.hard_deleted])
        tx.delete_properties(index_deletes)
        tx.insert_properties(property_rows)
        # A new entity is found by its name even with nothing searchable yet (a dataset
        # only named by a run's inputs), as DataHub searches key fields.
        self._rebuild_docs((docs_to_rebuild | self.new_entities.keys()) - self.hard_deleted)
        tx.set_removed(
            {
                urn: removed
                for urn, removed in self.status_changes.items()
                if urn not in self.hard_deleted and not (urn in self.new_entities and not removed)
            },
            self.now,
        )
        tx.set_platforms({u: p for u, p in self.platforms.items() if u not in self.new_entities})
        tx.touch_entities(
            [
                {"urn": u, "updated_at": self.now}
                for u in touched
                if u in self.known and u not in self.status_changes
            ]
        )
        for urn in self.hard_deleted:
            tx.hard_delete(urn)
        for work in self.later:
            work(tx)
        if self.audited:
            tx.append_audit(audit + self._other_entries())

    def _other_entries(self) -> list[AuditEntry]:
        """Audit entries of what is not an aspect version: metric points, hard deletes."""
        out = []
        points: dict[str, int] = {}
        for p in self.points:
            if p["urn"] not in self.hard_deleted:
                points[p["urn"]] = points.get(p["urn"], 0) + 1
        for urn, n in points.items():
            out.append(entry(AuditKind.METRICS, self.ctx, self.now, urn=urn, detail={"points": n}))
        for urn in sorted(self.hard_deleted):
            out.append(entry(AuditKind.HARD_DELETE, self.ctx, self.now, urn=urn))
        return out

    def _rebuild_docs(self, urns: set[str]) -> None:
        """One full-text document per entity: the name its URN gives it, then all its
        searchable aspects (this batch's values, plus, for entities that existed
        before, the stored ones)."""
        if not urns:
            return
        texts: dict[str, dict[str, str]] = {
            u: {"": " ".join(words(parse_urn(u)[2].name))} for u in urns
        }
        for (urn, aspect), state in self.states.items():
            spec = ASPECTS.get(aspect)
            if urn in texts and spec is not None and spec.searchable and state.produced:
                texts[urn][aspect] = aspect_text(spec, state.parsed) if state.parsed else ""
        older = [u for u in urns if u in self.known]
        if older:
            names = [a.name for a in ASPECTS.values() if a.searchable]
            for urn, aspect, raw in self.tx.stored_values(older, names):
                if aspect not in texts[urn]:
                    texts[urn][aspect] = aspect_text(ASPECTS[aspect], orjson.loads(raw))
        self.tx.replace_docs(
            [{"urn": u, "text": " ".join(t for t in by.values() if t)} for u, by in texts.items()],
            existed=older,
        )


class _Pending:
    """A batch as its policies see it (`policies.PendingWrite`): worked out, not written.
    Its changes are made only when a policy asks, of the aspect it asks about."""

    def __init__(self, batch: _BatchApply) -> None:
        self._batch = batch
        self.ctx = batch.ctx
        self.hard_deleted = frozenset(batch.hard_deleted)

    def _changes(self, aspect: str | None) -> list[AspectChange]:
        out = []
        for (urn, name), state in self._batch.states.items():
            if (aspect is not None and name != aspect) or not state.produced:
                continue
            if urn in self.hard_deleted:
                continue
            before = state.stored.value if state.stored is not None else None
            if state.text == before:
                continue  # changed and changed back within the batch
            after = None if state.text is None else state.parsed
            out.append(AspectChange(urn, parse_urn(urn)[1].name, name, before, after))
        return out

    @property
    def changes(self) -> list[AspectChange]:
        return self._changes(None)

    @property
    def tx(self) -> WriteTx:
        return self._batch.tx

    @property
    def now(self) -> int:
        return self._batch.now

    def also(self, work: Callable[[WriteTx], None]) -> None:
        self._batch.later.append(work)

    def audit(self, kind: AuditKind, urn: str, detail: dict[str, Any]) -> None:
        b = self._batch
        if b.audited:
            b.later.append(
                lambda tx: tx.append_audit([entry(kind, b.ctx, b.now, urn=urn, detail=detail)])
            )

    @property
    def created(self) -> frozenset[str]:
        return frozenset(self._batch.new_entities) - self.hard_deleted

    @property
    def edited(self) -> frozenset[str]:
        b = self._batch
        touched = {urn for (urn, _), state in b.states.items() if state.produced}
        touched.update(p["urn"] for p in b.points)
        touched.update(c.urn for c in b.claims)
        return frozenset(touched) - frozenset(b.new_entities) - self.hard_deleted

    def stored(self, urns: Sequence[str], aspect: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        unread: list[tuple[str, str]] = []
        for urn in dict.fromkeys(urns):
            state = self._batch.states.get((urn, aspect))
            if state is None:
                unread.append((urn, aspect))  # not read by the batch
            elif state.stored is not None and state.stored.value is not None:
                out[urn] = orjson.loads(state.stored.value)
        for (urn, _), found in self._batch.tx.latest(unread).items():
            if found.value is not None:
                out[urn] = orjson.loads(found.value)
        return out

    def changed(self, aspect: str) -> list[AspectChange]:
        return self._changes(aspect)

    def values(self, urns: Sequence[str], aspect: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        unread: list[tuple[str, str]] = []
        for urn in dict.fromkeys(urns):
            if urn in self.hard_deleted:
                continue
            state = self._batch.states.get((urn, aspect))
            if state is None:
                unread.append((urn, aspect))
            elif state.text is not None:
                out[urn] = state.parsed if state.parsed is not None else orjson.loads(state.text)
        for (urn, _), stored in self._batch.tx.latest(unread).items():
            if stored.value is not None:
                out[urn] = orjson.loads(stored.value)
        return out
