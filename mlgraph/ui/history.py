"""The history tab: every change of every aspect with its actor and time, newest
first, and the diff between two versions of one aspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgraph.errors import InvalidInput
from mlgraph.runtime import Services
from mlgraph.services.diff import Change
from mlgraph.services.entities import EntityView

PER_ASPECT = 50


@dataclass
class HistoryEntry:
    aspect: str
    version: int
    actor: str
    created_at: int
    run_id: str | None
    deleted: bool


@dataclass
class AspectDiff:
    aspect: str
    old: int
    new: int
    changes: list[Change]


def timeline(services: Services, view: EntityView) -> tuple[list[HistoryEntry], dict[str, int]]:
    """All changes, newest first, and each aspect's latest version (for the diff form)."""
    entries: list[HistoryEntry] = []
    latest: dict[str, int] = {}
    for name in sorted(view.aspects):
        for a in services.entities.history(view.row.urn, name, limit=PER_ASPECT):
            entries.append(
                HistoryEntry(name, a.version, a.actor, a.created_at, a.run_id, a.value is None)
            )
        latest[name] = view.aspects[name].version
    entries.sort(key=lambda e: (e.created_at, e.aspect, e.version), reverse=True)
    return entries, latest


def aspect_diff(services: Services, urn: str, aspect: str, old: Any, new: Any) -> AspectDiff | None:
    """The diff asked for in the query string, or None when none was asked."""
    if not aspect:
        return None
    try:
        o, n = int(old), int(new)
    except (TypeError, ValueError):
        raise InvalidInput("old and new must be aspect version numbers") from None
    return AspectDiff(aspect, o, n, services.entities.diff(urn, aspect, o, n))
