"""How the MLflow API keeps its state in the catalog.

MLflow's own objects are the API's state, each as JSON in a raw aspect on its entity
(stored as sent, with history like any aspect): `mlflowExperiment` on the experiment's
container, `mlflowRun` on the run, `mlflowRegisteredModel` on the model group,
`mlflowModelVersion` on the version's mlModel, `mlflowLoggedModel` on a logged model.
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
    return Proposal(
        Op.UPSERT, urn, aspect, val, expected_version=expected, strict=aspect not in RAW
    )


def raw(urn: str, aspects: Aspects | None, name: str, val: dict[str, Any]) -> Proposal:
    """The raw state `name` of `urn`, pinned to the version read."""
    return upsert(urn, name, val, version(aspects, name))


def sync(
    services: Services, mapped: mapping.Mapped, loaded: dict[str, Aspects] | None = None
) -> list[Proposal]:
    """Proposals bringing the catalog to `mapped`: each aspect merged into what its
    entity holds (`mapping.merge`), pinned to the version read, and only if it changes.
    `loaded` holds entities' aspects already read; the others are read here."""
    have = dict(loaded or {})
    unread = list(dict.fromkeys(u for u, _ in mapped if u not in have))
    if unread:
        names = sorted({a.ASPECT_NAME for u, a in mapped if u in unread})
        have |= read_many(services, unread, names)
    out = []
    for urn, aspect in mapped:
        name = aspect.ASPECT_NAME
        current = have.get(urn, {}).get(name)
        before = current.value if current is not None else None
        after = mapping.merge(name, before, aspect.model_dump(mode="json", exclude_none=True))
        if after != before:
            out.append(upsert(urn, name, after, current.version if current is not None else 0))
    return out


def write(services: Services, ctx: WriteContext, proposals: Sequence[Proposal]) -> None:
    services.writes.apply(list(proposals), ctx)


def mutate(
    services: Services, ctx: WriteContext, build: Callable[[], list[Proposal]]
) -> list[Proposal]:
    """Read-modify-write: `build` reads what it needs and returns proposals pinned with
    expected_version; a concurrent writer makes it run again on fresh state. Returns
    the proposals written."""
    for attempt in range(_RETRIES):
        proposals = build()
        try:
            write(services, ctx, proposals)
            return proposals
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def claim_experiment(urn: str, exp_id: str, name: str) -> Proposal:
    """The experiment's id and name, unique among experiments."""
    value = {"system": SYSTEM, "kind": EXPERIMENT, "key": exp_id, "name": name}
    return Proposal(Op.CLAIM_ID, urn, value=value)
