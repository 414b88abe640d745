"""How the MLflow API reads and writes the catalog: aspects by URN through
`services.entities`, every write through `services.writes.apply` (one atomic batch),
with optimistic retries for read-modify-write updates.

State the catalog has no field for is kept in raw compat aspects (stored as sent,
history kept like any aspect):

- `mlflowExperimentIndex` on `urn:li:dataPlatform:mlflow`: the experiment id counter
  and the id -> URN and name -> id maps (names are unique; ids are never reused).
- `mlflowExperiment` on the experiment container: experiment_id, artifact_location,
  lifecycle_stage, creation_time, last_update_time.
- `mlflowRun` on the run: run_id, experiment_id, user_id, status, start/end time,
  artifact_uri, lifecycle_stage, latest metrics with step and timestamp, and the
  MLflow dataset inputs and model outputs as MLflow shapes them.
- `mlflowRegisteredModel` on the model group: creation time, user, aliases, the
  next version number (versions are never renumbered).
- `mlflowModelVersion` on the version's mlModel: current_stage, source, run_id,
  run_link, status, user_id, model_id, storage location, timestamps.
- `mlflowRegistryState` on the version: stage and aliases; each write is one registry
  event (stage move or alias move), so its history is the audit trail.
- `mlflowLoggedModel` on a logged model's mlModel: the MLflow 3 LoggedModel info.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from mlgraph.errors import Conflict
from mlgraph.integrations.mlflow.urns import PLATFORM_URN, experiment_urn
from mlgraph.runtime import Services
from mlgraph.services.entities import AspectView
from mlgraph.services.proposals import Op, Proposal, WriteContext

INDEX = "mlflowExperimentIndex"
RAW = {
    "mlflowExperimentIndex",
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


def written(aspects: Aspects | None, urn: str, proposals: Sequence[Proposal]) -> Aspects:
    """`aspects` of `urn` as they read after `proposals` were written, without reading
    them back: the values as sent (the store may add defaults the MLflow views ignore)."""
    out = dict(aspects or {})
    for p in proposals:
        if p.op is Op.UPSERT and p.urn == urn and p.aspect and p.value is not None:
            before = out.get(p.aspect)
            out[p.aspect] = AspectView(
                p.aspect, dict(p.value), (before.version if before else 0) + 1, now_ms(), "", None
            )
    return out


# -- the experiment index ------------------------------------------------------------


def experiment_index(services: Services) -> tuple[dict[str, Any], int]:
    aspects = read(services, PLATFORM_URN, [INDEX])
    return value(aspects, INDEX), version(aspects, INDEX)


def ensure_default_experiment(services: Services, ctx: WriteContext) -> None:
    """MLflow's pre-created experiment "0", named Default, made on first use."""
    index, _ = experiment_index(services)
    if DEFAULT_EXPERIMENT in index.get("by_id", {}):
        return
    from mlgraph.integrations.mlflow.server.experiments import create_experiment_proposals

    def build() -> list[Proposal]:
        idx, ver = experiment_index(services)
        if DEFAULT_EXPERIMENT in idx.get("by_id", {}):
            return []
        return create_experiment_proposals(
            idx, ver, DEFAULT_EXPERIMENT, "Default", None, {}, experiment_urn("Default")
        )

    mutate(services, ctx, build)


def experiment_urn_of(services: Services, ctx: WriteContext, experiment_id: str) -> str | None:
    index, _ = experiment_index(services)
    if experiment_id == DEFAULT_EXPERIMENT and experiment_id not in index.get("by_id", {}):
        ensure_default_experiment(services, ctx)
        index, _ = experiment_index(services)
    urn = index.get("by_id", {}).get(experiment_id)
    return str(urn) if urn else None
