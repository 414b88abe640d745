"""A batch of DataHub MCPs as one mlgraph write: every MCP becomes a `Proposal`, and
the batch goes through `WriteService.apply` at once, so one bad MCP leaves the whole
batch unapplied.

Change types: UPSERT, UPDATE and RESTATE replace the aspect; CREATE does too but
only if the aspect does not exist yet; CREATE_ENTITY stores the key aspect (refused if
the entity exists); DELETE removes the aspect (deleting the key aspect removes the
entity); PATCH is applied here to the current value (DataHub's keyed-array dialect,
see `patch.py`) and written as an upsert that expects the version it was computed
from, so a concurrent writer makes it fail with 409 instead of being overwritten.
Aspects mlgraph does not model are stored as they came (`strict=False`); MCPs about
entity types mlgraph does not model (e.g. `dataHubExecutionRequest`) are skipped.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import Conflict, InvalidInput, NotFound
from mlgraph.integrations.datahub.mcp import WRITE_TYPES, Mcp
from mlgraph.integrations.datahub.patch import apply_patch
from mlgraph.integrations.datahub.records import key_aspect
from mlgraph.model.registry import parse_urn
from mlgraph.model.urn import Urn
from mlgraph.services.entities import EntityService
from mlgraph.services.proposals import Op, Proposal, WriteContext, WriteResult
from mlgraph.services.writes import WriteService

log = logging.getLogger("mlgraph.integrations.datahub")

_ABSENT = object()


@dataclass
class _Plan:
    """The proposals built so far, and what the batch has made of each aspect."""

    entities: EntityService
    proposals: list[Proposal] = field(default_factory=list)
    values: dict[tuple[str, str], Any] = field(default_factory=dict)  # None: deleted
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)

    def stored(self, urn: str, aspect: str) -> tuple[dict[str, Any] | None, int]:
        """The aspect's value and version before this batch (None, 0 when absent)."""
        try:
            view = self.entities.aspect(urn, aspect)
        except NotFound:
            return None, 0
        return view.value, view.version

    def current(self, urn: str, aspect: str) -> tuple[dict[str, Any] | None, int | None]:
        """The value the batch has reached, with the version to expect when this is
        the batch's first touch of the aspect (None otherwise)."""
        seen = self.values.get((urn, aspect), _ABSENT)
        if seen is not _ABSENT:
            return seen, None
        return self.stored(urn, aspect)

    def exists(self, urn: str) -> bool:
        if urn in self.deleted:
            return False
        if urn in self.created:
            return True
        try:
            self.entities.get(urn, ["status"], include_removed=True)
        except NotFound:
            return False
        return True

    def add(self, proposal: Proposal, value: dict[str, Any] | None) -> None:
        self.proposals.append(proposal)
        if proposal.aspect:
            self.values[(proposal.urn, proposal.aspect)] = value
        if value is not None:
            self.created.add(proposal.urn)
            self.deleted.discard(proposal.urn)


def _plan(mcp: Mcp, plan: _Plan) -> None:
    _, spec, _ = parse_urn(mcp.urn)
    aspect = mcp.aspect or spec.key_aspect
    change = mcp.change_type
    if change == "CREATE_ENTITY":
        if plan.exists(mcp.urn):
            raise Conflict(f"{mcp.where}: entity {mcp.urn} already exists")
        value = mcp.value if isinstance(mcp.value, dict) else key_aspect(spec, Urn.parse(mcp.urn))
        plan.add(_upsert(mcp.urn, aspect, value, expected=0), value)
    elif change in WRITE_TYPES:
        before, version = plan.current(mcp.urn, aspect)
        expected = None
        if change == "CREATE":
            if before is not None:
                raise Conflict(f"{mcp.where}: the entity already has a {aspect} aspect")
            expected = version
        plan.add(_upsert(mcp.urn, aspect, mcp.value, expected=expected), mcp.value)
    elif change == "PATCH":
        before, version = plan.current(mcp.urn, aspect)
        try:
            value = apply_patch(aspect, before, mcp.value)
        except InvalidInput as exc:
            raise InvalidInput(f"{mcp.where}: {exc.message}") from None
        plan.add(_upsert(mcp.urn, aspect, value, expected=version), value)
    elif aspect == spec.key_aspect:  # DELETE of the key aspect: the entity goes
        if plan.exists(mcp.urn):
            plan.proposals.append(Proposal(Op.DELETE_ENTITY, mcp.urn, hard=True))
            plan.deleted.add(mcp.urn)
            plan.created.discard(mcp.urn)
            plan.values = {k: v for k, v in plan.values.items() if k[0] != mcp.urn}
    else:  # DELETE of an aspect that is already gone is a no-op, as in DataHub
        before, version = plan.current(mcp.urn, aspect)
        if before is not None:
            plan.add(Proposal(Op.DELETE_ASPECT, mcp.urn, aspect, expected_version=version), None)


def _upsert(urn: str, aspect: str, value: dict[str, Any], *, expected: int | None) -> Proposal:
    return Proposal(Op.UPSERT, urn, aspect, value=value, expected_version=expected, strict=False)


def ingest(
    mcps: Sequence[Mcp], entities: EntityService, writes: WriteService, ctx: WriteContext
) -> list[WriteResult]:
    """Apply the MCPs as one atomic batch."""
    plan = _Plan(entities)
    for mcp in mcps:
        if not mcp.modelled:
            log.info("skipping %s: mlgraph does not model %s entities", mcp.where, mcp.entity_type)
            continue
        _plan(mcp, plan)
    run_ids = {m.run_id for m in mcps if m.run_id}
    if ctx.run_id is None and len(run_ids) == 1:
        ctx = dataclasses.replace(ctx, run_id=run_ids.pop())
    return writes.apply(plan.proposals, ctx)
