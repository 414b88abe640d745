"""Model registry governance shared by every door (the MLflow API, mlgraph's own):
the lineage tags a run must carry before a model version may be registered from it,
and the registry history (stage and alias moves: who, when, from, to).

The required tags are the union of `Settings.required_run_tags` and the model group's
`mlgraph.required_run_tags` custom property (a comma-separated list). The history is
the aspect history of each version's `mlflowRegistryState`, one write per event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from mlgraph.config import Settings
from mlgraph.errors import InvalidInput, NotFound
from mlgraph.model.registry import parse_urn
from mlgraph.services.entities import EntityService
from mlgraph.services.proposals import Op, Proposal
from mlgraph.store.aspect_store import AspectStore

POLICY_PROPERTY = "mlgraph.required_run_tags"
STATE_ASPECT = "mlflowRegistryState"


class RegistryService:
    def __init__(self, settings: Settings, store: AspectStore, entities: EntityService) -> None:
        self.settings = settings
        self.store = store
        self.entities = entities

    def _aspect(self, urn: str, name: str) -> dict[str, Any]:
        raw = self.store.latest_many([urn], [name]).get(urn, {}).get(name)
        return orjson.loads(raw) if raw else {}

    def required_run_tags(self, group_urn: str) -> list[str]:
        return self._policies([group_urn])[group_urn]

    def _policies(self, groups: Sequence[str]) -> dict[str, list[str]]:
        """The required tags of each group: the global ones plus the group's own."""
        props = self.store.latest_many(list(groups), ["mlModelGroupProperties"])
        out = {}
        for group in groups:
            raw = props.get(group, {}).get("mlModelGroupProperties")
            custom = orjson.loads(raw).get("customProperties", {}) if raw else {}
            own = [t.strip() for t in custom.get(POLICY_PROPERTY, "").split(",") if t.strip()]
            out[group] = list(dict.fromkeys([*self.settings.required_run_tags, *own]))
        return out

    def check_registration(self, group_urn: str, run_urn: str | None, run_label: str) -> None:
        """Refuse a version of `group_urn` trained by a run without the required tags."""
        required = self.required_run_tags(group_urn)
        if not required:
            return
        if run_urn is None:
            raise InvalidInput(
                f"registration requires a source run carrying the lineage tags {required}; "
                "none was given",
                details={"missing": required},
            )
        tags = self._aspect(run_urn, "dataProcessInstanceProperties").get("customProperties", {})
        missing = [t for t in required if t not in tags]
        if missing:
            raise InvalidInput(
                f"Run {run_label} is missing required lineage tags: {missing}. "
                "Set these before registering the model.",
                details={"missing": missing},
            )

    def check_proposals(self, proposals: Sequence[Proposal]) -> None:
        """The same policy for mlgraph's own writes: an mlModelProperties upsert that
        makes a model a member of a group (registers a version) names training runs
        carrying the required tags. One read per batch when no group has a policy."""
        joining = [
            p
            for p in proposals
            if p.op is Op.UPSERT
            and p.aspect == "mlModelProperties"
            and p.value
            and p.value.get("groups")
        ]
        if not joining:
            return
        values = {p.urn: p.value or {} for p in joining}
        policies = self._policies(
            sorted({g for v in values.values() for g in v["groups"] if isinstance(g, str)})
        )
        if not any(policies.values()):
            return
        current = self.store.latest_many([p.urn for p in joining], ["mlModelProperties"])
        for p in joining:
            raw = current.get(p.urn, {}).get("mlModelProperties")
            already = set(orjson.loads(raw).get("groups") or []) if raw else set()
            runs = values[p.urn].get("trainingJobs") or [None]
            for group in values[p.urn]["groups"]:
                if group in already or not policies.get(group):
                    continue  # not a new registration, or no policy for this group
                for run in runs:
                    self.check_registration(group, run, run or "(none)")

    def history(self, urn: str) -> list[dict[str, Any]]:
        """Stage and alias moves of a model version, or of every version of a group,
        oldest first: {time, actor, kind, version, alias?, from, to}."""
        _, spec, _ = parse_urn(urn)
        if spec.name == "mlModelGroup":
            versions = [
                r["urn"]
                for r in self.entities.relationships(urn, direction="incoming", types=["MemberOf"])
            ]
        elif spec.name == "mlModel":
            versions = [urn]
        else:
            raise InvalidInput(
                f"registry history is asked of an mlModel or mlModelGroup, not {spec.name}"
            )
        events: dict[tuple[Any, ...], dict[str, Any]] = {}
        for v in versions:
            try:
                rows = self.entities.history(v, STATE_ASPECT, limit=1000)
            except NotFound:
                continue
            for row in rows:
                ev = (row.value or {}).get("event")
                if not ev:
                    continue
                item = {"time": row.created_at, "actor": row.actor, **ev}
                key = (
                    item["time"],
                    item["kind"],
                    item.get("alias"),
                    item.get("from"),
                    item.get("to"),
                )
                events.setdefault(key, item)
        return sorted(events.values(), key=lambda e: (e["time"], str(e.get("version"))))
