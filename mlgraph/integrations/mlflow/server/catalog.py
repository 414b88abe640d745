"""How the MLflow API keeps its state in the catalog.

MLflow's own objects are the API's state, each as JSON in a raw aspect on its entity
(stored as sent, without history: the catalog's aspects mapped from them keep it):
`mlflowExperiment` on the experiment's container, `mlflowRun` on the run,
`mlflowRegisteredModel` on the model group, `mlflowModelVersion` on the version's
mlModel, `mlflowLoggedModel` on a logged model.
`mlflowRegistryState` on a version is written once per stage or alias move: its history
is the registry's audit trail. Experiment ids and names are `external_ids` rows.

Every change maps the changed object (`mapping`, the pull source's mapping too) and
merges the result into the catalog aspects MLflow owns, in the same atomic batch as the
raw state — one `services.writes.apply`, with optimistic retries for the
read-modify-write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mlgraph.errors import Conflict
from mlgraph.integrations.mlflow import mapping
from mlgraph.runtime import Services
from mlgraph.services.entities import AspectView
from mlgraph.services.proposals import Op, Proposal, WriteContext

SYSTEM = "mlflow"  # external ids: (SYSTEM, EXPERIMENT, id) -> the experiment's container
EXPERIMENT = "experiment"
RAW = {
    "mlflowExperiment",
    "mlflowRun",
    "mlflowRegisteredModel",
    "mlflowModelVersion",
    "mlflowRegistryState",
    "mlflowLoggedModel",
}
DEFAULT_EXPERIMENT = "0"
_RETRIES = 8

Aspects = dict[str, AspectView]


def now_ms() -> int:
    return int(time.time() * 1000)


def read(services: Services, urn: str, names: Sequence[str] | None = None) -> Aspects | None:
    """The latest aspects of an entity (soft-deleted ones too), or None if it is absent."""
    # get_many: the entity and its aspects on one connection (get takes two)
    view = services.entities.get_many([urn], list(names) if names else None, include_removed=True)
    if urn not in view:
        return None
    return {name: a for name, a in view[urn].aspects.items() if a.value is not None}


def read_many(services: Services, urns: Sequence[str], names: Sequence[str]) -> dict[str, Aspects]:
    """`read` for many entities at once (two queries instead of one per entity)."""
    views = services.entities.get_many(list(urns), list(names), include_removed=True)
    return {
        urn: {name: a for name, a in view.aspects.items() if a.value is not None}
        for urn, view in views.items()
    }


def value(aspects: Aspects | None, name: str) -> dict[str, Any]:
    if not aspects or name not in aspects or aspects[name].value is None:
        return {}
    return dict(aspects[name].value or {})


def version(aspects: Aspects | None, name: str) -> int:
    """The expected_version for the next write of this aspect (0: must not exist)."""
    return aspects[name].version if aspects and name in aspects else 0


def upsert(urn: str, aspect: str, val: dict[str, Any], expected: int | None = None) -> Proposal:
    # MLflow's own state keeps no history (the catalog's aspects do), but for the
    # registry events, whose history is the audit trail.
    return Proposal(
        Op.UPSERT,
        urn,
        aspect,
        val,
        expected_version=expected,
        strict=aspect not in RAW,
        keep_history=aspect not in RAW or aspect == "mlflowRegistryState",
    )


def raw(urn: str, aspects: Aspects | None, name: str, val: dict[str, Any]) -> Proposal:
    """The raw state `name` of `urn`, pinned to the version read."""
    return upsert(urn, name, val, version(aspects, name))


@dataclass(frozen=True)
class Mapped:
    """Aspects as MLflow's state maps them, to merge into what their entities hold
    (`mapping.merge`) when the request's changes are written: the reads of every
    `Mapped` of a request are one query, made then."""

    aspects: mapping.Mapped
    loaded: dict[str, Aspects]


Change = Proposal | Mapped


def sync(
    services: Services, mapped: mapping.Mapped, loaded: dict[str, Aspects] | None = None
) -> list[Change]:
    """Bring the catalog to `mapped` (`loaded`: entities' aspects read already)."""
    return [Mapped(mapped, dict(loaded or {}))]


def resolve(services: Services, changes: Sequence[Change]) -> list[Proposal]:
    """The proposals of a request's changes: each `Mapped` aspect merged into what its
    entity holds, pinned to the version read, and only if that changes it. An aspect
    mapped twice is taken from its last `Mapped`."""
    have: dict[str, Aspects] = {}
    last: dict[tuple[str, str], int] = {}
    for i, change in enumerate(changes):
        if isinstance(change, Mapped):
            have.update(change.loaded)
            for urn, aspect in change.aspects:
                last[(urn, aspect.ASPECT_NAME)] = i
    unread = list(dict.fromkeys(urn for urn, _ in last if urn not in have))
    if unread:
        wanted = set(unread)
        names = sorted({name for urn, name in last if urn in wanted})
        have |= read_many(services, unread, names)
    out: list[Proposal] = []
    for i, change in enumerate(changes):
        if isinstance(change, Proposal):
            out.append(change)
            continue
        for urn, aspect in change.aspects:
            name = aspect.ASPECT_NAME
            if last[(urn, name)] != i:
                continue
            current = have.get(urn, {}).get(name)
            before = current.value if current is not None else None
            after = mapping.merge(name, before, aspect.model_dump(mode="json", exclude_none=True))
            if after != before:
                out.append(upsert(urn, name, after, current.version if current is not None else 0))
    return out


def write(services: Services, ctx: WriteContext, changes: Sequence[Change]) -> None:
    services.writes.apply(resolve(services, changes), ctx)


def mutate(services: Services, ctx: WriteContext, build: Callable[[], Sequence[Change]]) -> None:
    """Read-modify-write: `build` reads what it needs and returns changes pinned with
    expected_version; a concurrent writer makes it run again on fresh state."""
    for attempt in range(_RETRIES):
        changes = build()
        try:
            write(services, ctx, changes)
            return
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def claim_experiment(urn: str, exp_id: str, name: str) -> Proposal:
    """The experiment's id and name, unique among experiments."""
    value = {"system": SYSTEM, "kind": EXPERIMENT, "key": exp_id, "name": name}
    return Proposal(Op.CLAIM_ID, urn, value=value)
