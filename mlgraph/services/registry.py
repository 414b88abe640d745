"""The model registry's history: every stage and alias move of a model version (who,
when, from, to), read from the aspect history of its `mlflowRegistryState`, where each
write is one registry event. The rule that guards registration itself is a write policy
(`services.policies.RequiredRunTags`), so it holds on every door."""

from __future__ import annotations

from typing import Any

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.model.registry import parse_urn
from mlgraph.services.entities import EntityService

STATE_ASPECT = "mlflowRegistryState"


class RegistryService:
    def __init__(self, entities: EntityService) -> None:
        self.entities = entities

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
