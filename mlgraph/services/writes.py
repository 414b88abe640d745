"""The one write path: validate a batch of proposals, then apply it in a single
transaction — aspects, their history, entity rows and derived edges together, or
nothing at all."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import orjson
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from mlgraph.errors import Conflict, InvalidInput, MlgraphError, NotFound
from mlgraph.model.registry import (
    ASPECTS,
    AspectSpec,
    EntityKey,
    EntitySpec,
    aspect_spec,
    parse_urn,
    values_at,
)
from mlgraph.model.urn import Urn
from mlgraph.services.proposals import Op, Proposal, WriteContext, WriteResult
from mlgraph.store.aspect_store import AspectStore, StaleWrite, StoredAspect, WriteTx

_RETRIES = 3


def now_ms() -> int:
    return int(time.time() * 1000)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: `field.path: message`."""
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err["loc"]) or "(value)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


@dataclass(slots=True)
class _Checked:
    """A proposal whose URN and aspect name have been checked."""

    index: int
    proposal: Proposal
    spec: EntitySpec
    key: EntityKey
    aspect: AspectSpec | None
    value: dict[str, Any] | None = None  # canonical value for upserts


@dataclass(slots=True)
class _KeyState:
    """Working state of one (urn, aspect) while a batch is applied."""

    stored: StoredAspect | None
    value: dict[str, Any] | None
    version: int
    produced: list[StoredAspect] = field(default_factory=list)


class WriteService:
    def __init__(self, store: AspectStore) -> None:
        self.store = store

    # -- validation (no database) -------------------------------------------

    def _where(self, i: int, p: Proposal) -> str:
        return f"proposals[{i}] ({p.op.value} {p.aspect + ' on ' if p.aspect else ''}{p.urn})"

    def validate_value(self, spec: AspectSpec, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidInput(f"{where}: the value of {spec.name} must be a JSON object")
        try:
            model = spec.schema.model_validate(value)
        except ValidationError as exc:
            raise InvalidInput(
                f"{where}: invalid {spec.name}: {describe_validation_error(exc)}"
            ) from None
        canonical = model.model_dump(mode="json", exclude_none=True)
        for path in spec.relationships:
            if path.rel.targets:
                for target in values_at(canonical, path.path):
                    kind = Urn.parse(target).entity_type
                    if kind not in path.rel.targets:
                        raise InvalidInput(
                            f"{where}: {spec.name}.{path.dotted} must point at "
                            f"{' or '.join(path.rel.targets)}, not {kind} ({target})"
                        )
        return canonical

    def _check(self, i: int, p: Proposal) -> _Checked:
        where = self._where(i, p)
        try:
            _, spec, key = parse_urn(p.urn)
        except MlgraphError as exc:
            raise type(exc)(f"{where}: {exc.message}") from None
        aspect = None
        if (
            p.aspect is not None
            and p.op in (Op.UPSERT, Op.PATCH, Op.DELETE_ASPECT)
            and (p.aspect in ASPECTS or p.strict)
        ):
            try:
                aspect = aspect_spec(spec, p.aspect)
            except MlgraphError as exc:
                raise type(exc)(f"{where}: {exc.message}") from None
        checked = _Checked(i, p, spec, key, aspect)
        if p.op is Op.UPSERT:
            assert p.value is not None
            if aspect is not None:
                checked.value = self.validate_value(aspect, p.value, where)
            else:
                checked.value = p.value
        return checked

    # -- applying ------------------------------------------------------------

    def apply(
        self, proposals: Sequence[Proposal], ctx: WriteContext | None = None
    ) -> list[WriteResult]:
        """Apply a batch atomically. Raises before anything is written if any
        proposal is invalid, and rolls everything back if any fails on apply."""
        ctx = ctx or WriteContext()
        if not proposals:
            return []
        checked = [self._check(i, p) for i, p in enumerate(proposals)]
        for attempt in range(_RETRIES):
            try:
                with self.store.transaction() as tx:
                    return _BatchApply(self, tx, ctx).run(checked)
            except (StaleWrite, IntegrityError):
                # Another writer changed one of our rows between read and write.
                if attempt == _RETRIES - 1:
                    raise Conflict(
                        "the batch collided with concurrent writes to the same aspects; retry it"
                    ) from None
        raise AssertionError("unreachable")


class _BatchApply:
    """One attempt at applying a checked batch inside an open transaction."""

    def __init__(self, service: WriteService, tx: WriteTx, ctx: WriteContext) -> None:
        self.service = service
        self.tx = tx
        self.ctx = ctx
        self.now = now_ms()
        self.states: dict[tuple[str, str], _KeyState] = {}
        self.order: list[tuple[str, str]] = []
        self.status_changes: dict[str, bool] = {}
        self.hard_deleted: set[str] = set()
        self.new_entities: dict[str, dict[str, Any]] = {}

    def run(self, checked: list[_Checked]) -> list[WriteResult]:
        tx = self.tx
        keys = []
        for c in checked:
            p = c.proposal
            if p.aspect is not None and p.op in (Op.UPSERT, Op.PATCH, Op.DELETE_ASPECT):
                keys.append((p.urn, p.aspect))
            elif p.op in (Op.DELETE_ENTITY, Op.RESTORE_ENTITY):
                keys.append((p.urn, "status"))
        urns = list({c.proposal.urn for c in checked})
        latest = tx.latest(keys)
        known = tx.entities(urns)
        for k in keys:
            if k not in self.states:
                stored = latest.get(k)
                if stored is None:
                    version = tx.last_history_version(k) if k[0] in known else 0
                    self.states[k] = _KeyState(None, None, version)
                else:
                    self.states[k] = _KeyState(
                        stored, orjson.loads(stored.value or "null"), stored.version
                    )
                self.order.append(k)

        results = [self._one(c, known) for c in checked]
        self._flush(known)
        return results

    def _expect(self, c: _Checked, state: _KeyState) -> None:
        p = c.proposal
        current = state.version if state.value is not None else 0
        if p.expected_version is not None and p.expected_version != current:
            found = f"version {current}" if current else "no stored value"
            raise Conflict(
                f"{self.service._where(c.index, p)}: expected version {p.expected_version}, "
                f"found {found}",
                details={
                    "urn": p.urn,
                    "aspect": p.aspect,
                    "expected": p.expected_version,
                    "found": current,
                },
            )

    def _set(self, key: tuple[str, str], state: _KeyState, value: dict[str, Any] | None) -> int:
        state.version += 1
        text = None if value is None else orjson.dumps(value).decode()
        state.produced.append(
            StoredAspect(
                key[0], key[1], state.version, text, self.now, self.ctx.actor, self.ctx.run_id
            )
        )
        state.value = value
        return state.version

    def _one(self, c: _Checked, known: dict[str, Any]) -> WriteResult:
        p = c.proposal
        where = self.service._where(c.index, p)
        if p.urn in self.hard_deleted and p.op is not Op.DELETE_ENTITY:
            raise InvalidInput(f"{where}: the entity was hard-deleted earlier in this batch")
        if p.op in (Op.UPSERT, Op.PATCH):
            key = (p.urn, p.aspect or "")
            state = self.states[key]
            self._expect(c, state)
            new = c.value if p.op is Op.UPSERT else self._patched(c, state, where)
            if new == state.value:
                return WriteResult(p.op, p.urn, p.aspect, state.version, False)
            version = self._set(key, state, new)
            if p.urn not in known and p.urn not in self.new_entities:
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
            if p.aspect == "status":
                self.status_changes[p.urn] = bool((new or {}).get("removed", False))
            return WriteResult(p.op, p.urn, p.aspect, version, True)
        if p.op is Op.DELETE_ASPECT:
            key = (p.urn, p.aspect or "")
            state = self.states[key]
            self._expect(c, state)
            if state.value is None:
                raise NotFound(f"{where}: the entity has no {p.aspect} aspect to delete")
            version = self._set(key, state, None)
            if p.aspect == "status":
                self.status_changes[p.urn] = False
            return WriteResult(p.op, p.urn, p.aspect, version, True)
        if p.op is Op.DELETE_ENTITY and p.hard:
            if p.urn not in known and p.urn not in self.new_entities:
                raise NotFound(f"{where}: no entity {p.urn}")
            self.hard_deleted.add(p.urn)
            return WriteResult(p.op, p.urn, None, None, True)
        # soft delete / restore: the status aspect's `removed` flag
        if p.urn not in known and p.urn not in self.new_entities:
            raise NotFound(f"{where}: no entity {p.urn}")
        key = (p.urn, "status")
        state = self.states[key]
        removed = p.op is Op.DELETE_ENTITY
        new = dict(state.value or {})
        new["removed"] = removed
        if new == state.value:
            return WriteResult(p.op, p.urn, "status", state.version, False)
        version = self._set(key, state, new)
        self.status_changes[p.urn] = removed
        return WriteResult(p.op, p.urn, "status", version, True)

    def _patched(self, c: _Checked, state: _KeyState, where: str) -> dict[str, Any]:
        p = c.proposal
        try:
            doc = jsonpatch.apply_patch(state.value or {}, p.patch or [], in_place=False)
        except (
            jsonpatch.JsonPatchException,
            jsonpatch.JsonPointerException,
            TypeError,
            KeyError,
        ) as exc:
            raise InvalidInput(f"{where}: the patch does not apply: {exc}") from None
        if c.aspect is None:
            if not isinstance(doc, dict):
                raise InvalidInput(f"{where}: the patched value must be a JSON object")
            return doc
        return self.service.validate_value(c.aspect, doc, where)

    def _flush(self, known: dict[str, Any]) -> None:
        tx = self.tx
        tx.insert_entities(list(self.new_entities.values()))
        inserts: list[dict[str, Any]] = []
        replaces: list[dict[str, Any]] = []
        previous: dict[tuple[str, str], int] = {}
        archive: list[StoredAspect] = []
        edge_deletes: list[tuple[str, str]] = []
        edge_rows: list[dict[str, Any]] = []
        touched: set[str] = set()
        for key in self.order:
            state = self.states[key]
            if not state.produced or key[0] in self.hard_deleted:
                continue
            touched.add(key[0])
            final = state.produced[-1]
            history = state.produced[:-1]
            if state.stored is not None:
                archive.append(state.stored)
            archive.extend(history)
            if final.value is None:
                # A deletion: the tombstone goes to history, the latest row goes away.
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
                if state.value is not None:
                    edge_rows.extend(_edges(key[0], spec, state.value))
            if key[1] == "dataPlatformInstance" and state.value:
                tx.set_platform(key[0], Urn.parse(state.value["platform"]).parts[0])
        tx.insert_aspects(inserts)
        tx.replace_aspects(replaces, previous)
        tx.archive(archive)
        tx.delete_edges(edge_deletes)
        tx.insert_edges(edge_rows)
        for urn, removed in self.status_changes.items():
            if urn not in self.hard_deleted:
                tx.set_removed(urn, removed, self.now)
        existing = [
            {"urn": u, "updated_at": self.now}
            for u in touched
            if u in known and u not in self.status_changes
        ]
        tx.touch_entities(existing)
        for urn in self.hard_deleted:
            tx.hard_delete(urn)


def _edges(urn: str, spec: AspectSpec, value: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    seen = set()
    for path in spec.relationships:
        lineage = path.rel.lineage.value if path.rel.lineage else None
        for target in values_at(value, path.path):
            k = (path.rel.name, target)
            if k not in seen:
                seen.add(k)
                rows.append(
                    {
                        "source_urn": urn,
                        "aspect": spec.name,
                        "rel": path.rel.name,
                        "target_urn": target,
                        "lineage": lineage,
                    }
                )
    return rows
