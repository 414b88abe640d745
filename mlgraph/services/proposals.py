"""Proposals: the one shape every write takes, whichever door it came in by.

Every door (REST, the UI, the MLflow and DataHub protocols; the SDK, the CLI, the demo
loader and the pull sources through REST) turns its input into a list of `Proposal`s and
a `WriteContext`, and hands both to `WriteService.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mlgraph.errors import BadRequest
from mlgraph.services.principal import Principal


class Op(StrEnum):
    UPSERT = "upsert"  # replace an aspect with a new value
    PATCH = "patch"  # apply an RFC 6902 JSON Patch to an aspect
    DELETE_ASPECT = "delete_aspect"
    DELETE_ENTITY = "delete_entity"  # soft by default; hard=True removes every trace
    RESTORE_ENTITY = "restore_entity"  # undo a soft delete
    APPEND_METRICS = "append_metrics"  # add points to a run's metric history
    # Give the entity another system's id: value {system, kind, key, name?}. For that
    # system's own door (the MLflow API's experiment ids), not offered over REST.
    CLAIM_ID = "claim_id"


ASPECT_OPS = {Op.UPSERT, Op.PATCH, Op.DELETE_ASPECT}
# What a REST client may send; a dict lookup is ~20x cheaper than Op(raw).
_OPS = {op.value: op for op in Op if op is not Op.CLAIM_ID}


@dataclass(slots=True)
class Proposal:
    op: Op
    urn: str
    aspect: str | None = None
    value: dict[str, Any] | None = None
    patch: list[dict[str, Any]] | None = None
    expected_version: int | None = None  # 0 means "must not exist yet"
    hard: bool = False
    strict: bool = True  # False lets a peer's protocol store aspects mlgraph does not model
    # False: replaced versions are not kept. For a peer protocol's own state, which the
    # catalog's aspects (each with its history) already record; not offered over REST.
    keep_history: bool = True

    @classmethod
    def from_json(cls, obj: Any, where: str) -> Proposal:
        """Read one proposal from decoded JSON, naming the bad field on error."""
        if not isinstance(obj, dict):
            raise BadRequest(f"{where}: a proposal must be a JSON object")
        if not _FIELDS.issuperset(obj):
            unknown = set(obj) - _FIELDS
            raise BadRequest(
                f"{where}: unknown field(s) {', '.join(sorted(unknown))}; a proposal has "
                f"{', '.join(sorted(_FIELDS))}"
            )
        raw_op = obj.get("op", "upsert")
        op = _OPS.get(raw_op) if isinstance(raw_op, str) else None
        if op is None:
            raise BadRequest(
                f"{where}.op: {raw_op!r} is not an operation; use one of {', '.join(_OPS)}"
            )
        urn = obj.get("urn")
        if not isinstance(urn, str):
            raise BadRequest(f"{where}.urn: required, a URN string")
        aspect = obj.get("aspect")
        if op in ASPECT_OPS and not isinstance(aspect, str):
            raise BadRequest(f"{where}.aspect: required for {op.value}, an aspect name")
        value = obj.get("value")
        if op in (Op.UPSERT, Op.APPEND_METRICS) and not isinstance(value, dict):
            raise BadRequest(f"{where}.value: required for {op.value}, a JSON object")
        patch = obj.get("patch")
        if op is Op.PATCH and not (
            isinstance(patch, list) and all(isinstance(p, dict) for p in patch)
        ):
            raise BadRequest(f"{where}.patch: required for patch, a list of JSON Patch operations")
        expected = obj.get("expected_version")
        if expected is not None and (
            not isinstance(expected, int) or isinstance(expected, bool) or expected < 0
        ):
            raise BadRequest(f"{where}.expected_version: must be a whole number >= 0")
        hard = obj.get("hard", False)
        if not isinstance(hard, bool):
            raise BadRequest(f"{where}.hard: must be true or false")
        return cls(op, urn, aspect, value, patch, expected, hard)


_FIELDS = frozenset({"op", "urn", "aspect", "value", "patch", "expected_version", "hard"})


@dataclass(frozen=True, slots=True)
class WriteResult:
    op: Op
    urn: str
    aspect: str | None
    version: int | None  # the aspect's version after the write (None for entity ops)
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": str(self.op),
            "urn": self.urn,
            "aspect": self.aspect,
            "version": self.version,
            "changed": self.changed,
        }


class Door(StrEnum):
    """The entry point a write came in by: policies may tell them apart."""

    REST = "rest"  # mlgraph's REST API, and so the SDK, the CLI and the pull sources
    UI = "ui"
    MLFLOW = "mlflow"
    DATAHUB = "datahub"
    INTERNAL = "internal"  # code in the same process (tests, benchmarks)


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Who writes, through which door, as part of which ingestion run. Built for a
    request in one place (`mlgraph.api.caller`), never by a door itself."""

    actor: str = "urn:li:corpuser:anonymous"
    run_id: str | None = None
    door: Door = Door.INTERNAL
    # The signed-in caller, when authentication is on; None: not checked (authentication
    # off, or code in the same process such as the CLI's local commands and the demo).
    principal: Principal | None = None
    address: str | None = None  # the client's IP address, for the audit log
