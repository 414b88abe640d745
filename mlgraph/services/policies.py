"""Policies: rules every write obeys, whichever door it came in by.

`WriteService.apply` validates a batch, works out what each aspect will hold once it is
applied, then shows that `PendingWrite` to every policy before anything is written. A
policy refuses the whole batch by raising (`PolicyViolation`, or `Forbidden` for the
access control to come); nothing a door does can skip one, because no door writes by
any other path.

The first policy is seed 004's lineage-verification rule: a model version may join a
model group only if the runs that trained it carry the tags the group requires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from mlgraph.config import Settings
from mlgraph.errors import PolicyViolation
from mlgraph.services.access import AccessControl
from mlgraph.services.proposals import WriteContext

if TYPE_CHECKING:
    from mlgraph.services.audit import AuditKind
    from mlgraph.store.aspect_store import WriteTx

Value = dict[str, Any]


class AspectChange:
    """One aspect a batch changes: its value before the batch and after it (None when
    absent: a new aspect, or a deletion). The stored value is parsed only if a policy
    asks for it."""

    __slots__ = ("_before", "_before_text", "after", "aspect", "entity_type", "urn")

    def __init__(
        self,
        urn: str,
        entity_type: str,
        aspect: str,
        before_text: str | None,
        after: Value | None,
    ) -> None:
        self.urn = urn
        self.entity_type = entity_type
        self.aspect = aspect
        self.after = after
        self._before_text = before_text
        self._before: Value | None = None

    @property
    def before(self) -> Value | None:
        if self._before is None and self._before_text is not None:
            self._before = orjson.loads(self._before_text)
        return self._before

    def __repr__(self) -> str:
        return f"AspectChange({self.urn!r}, {self.aspect!r})"


class PendingWrite(Protocol):
    """A validated batch inside its transaction, not yet written."""

    @property
    def ctx(self) -> WriteContext: ...

    @property
    def changes(self) -> Sequence[AspectChange]:
        """Every aspect whose value the batch changes (soft deletes and restores are
        changes of `status`)."""
        ...

    def changed(self, aspect: str) -> Sequence[AspectChange]:
        """The changes of one aspect (cheaper than filtering `changes`)."""
        ...

    @property
    def hard_deleted(self) -> frozenset[str]:
        """Entities the batch removes with every trace."""
        ...

    @property
    def created(self) -> frozenset[str]:
        """Entities the batch creates."""
        ...

    @property
    def edited(self) -> frozenset[str]:
        """Entities that exist already and whose aspects, metrics or ids the batch changes
        (hard-deleted ones are in `hard_deleted` only)."""
        ...

    def stored(self, urns: Sequence[str], aspect: str) -> Mapping[str, Value]:
        """`aspect` of each of `urns` as stored before the batch (absent ones left out)."""
        ...

    def values(self, urns: Sequence[str], aspect: str) -> Mapping[str, Value]:
        """`aspect` of each of `urns` as it will read after the batch (absent ones left
        out): the batch's own value where it writes one, else the stored one."""
        ...

    @property
    def tx(self) -> WriteTx:
        """The batch's transaction, for a policy's own reads of what it guards."""
        ...

    @property
    def now(self) -> int:
        """The batch's time (epoch ms)."""
        ...

    def also(self, work: Callable[[WriteTx], None]) -> None:
        """Run `work` in the same transaction once the batch is written (a policy
        recording that it let something through)."""
        ...

    def audit(self, kind: AuditKind, urn: str, detail: dict[str, Any]) -> None:
        """Add an audit entry to the batch's own (written only if the batch is)."""
        ...


class Policy(Protocol):
    name: str

    def check(self, write: PendingWrite) -> None:
        """Raise to refuse the batch; return to let it through."""
        ...


POLICY_PROPERTY = "mlgraph.required_run_tags"


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class RequiredRunTags:
    """A model version may join a model group (its mlModelProperties gain the group)
    only if every run in its `trainingJobs` carries the required tags: those of
    `Settings.required_run_tags` and the group's own, a comma-separated list in its
    `mlgraph.required_run_tags` custom property. A model already in the group, and a
    group requiring nothing, are not checked."""

    name = "required_run_tags"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings  # read at each check: the setting may change at run time

    def check(self, write: PendingWrite) -> None:
        joins: list[tuple[AspectChange, list[str]]] = []
        for change in write.changed("mlModelProperties"):
            if not change.after:
                continue
            groups = [g for g in change.after.get("groups") or [] if isinstance(g, str)]
            had = set((change.before or {}).get("groups") or [])
            new = [g for g in groups if g not in had]
            if new:
                joins.append((change, new))
        if not joins:
            return
        required = self._required(write, sorted({g for _, new in joins for g in new}))
        for change, new in joins:
            for group in new:
                if required[group]:
                    self._check_runs(write, change, group, required[group])

    def _required(self, write: PendingWrite, groups: list[str]) -> dict[str, list[str]]:
        """The tags each group requires: the global ones, then the group's own."""
        props = write.values(groups, "mlModelGroupProperties")
        out = {}
        for group in groups:
            custom = props.get(group, {}).get("customProperties") or {}
            own = _tags(str(custom.get(POLICY_PROPERTY, "")))
            out[group] = list(dict.fromkeys([*self.settings.required_run_tags, *own]))
        return out

    def _check_runs(
        self, write: PendingWrite, change: AspectChange, group: str, required: list[str]
    ) -> None:
        runs = [r for r in (change.after or {}).get("trainingJobs") or [] if isinstance(r, str)]
        details: dict[str, Any] = {"policy": self.name, "model": change.urn, "group": group}
        if not runs:
            raise PolicyViolation(
                f"registration requires a source run carrying the lineage tags {required}; "
                f"none was given ({change.urn} names no trainingJobs)",
                details={**details, "missing": required},
            )
        props = write.values(runs, "dataProcessInstanceProperties")
        ids = write.values(runs, "mlTrainingRunProperties")
        for run in runs:
            tags = props.get(run, {}).get("customProperties") or {}
            missing = [t for t in required if t not in tags]
            if missing:
                label = ids.get(run, {}).get("id") or run
                raise PolicyViolation(
                    f"Run {label} is missing required lineage tags: {missing}. "
                    "Set these before registering the model.",
                    details={**details, "run": run, "missing": missing},
                )


def default_policies(settings: Settings) -> list[Policy]:
    """The policies every catalog runs: who may write first, then the catalog's rules."""
    from mlgraph.services.approvals import ProtectedMoves

    return [AccessControl(), ProtectedMoves(settings), RequiredRunTags(settings)]
