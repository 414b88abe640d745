"""A readable structural diff between two JSON documents (two aspect versions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # JSON Pointer-like, e.g. /hyperParams/0/value
    kind: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """Lists of named records (params, metrics, owners, tags) compare by name, not index."""
    for field in ("name", "owner", "tag", "urn", "dataset", "versionTag"):
        if items and all(isinstance(i, dict) and isinstance(i.get(field), str) for i in items):
            keys = [i[field] for i in items]
            if len(set(keys)) == len(keys):
                return dict(zip(keys, items, strict=True))
    return None


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    if old == new:
        return []
    if old is None:
        return [Change(path or "/", "added", None, new)]
    if new is None:
        return [Change(path or "/", "removed", old, None)]
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for k in sorted(old.keys() | new.keys()):
            changes.extend(diff(old.get(k), new.get(k), f"{path}/{k}"))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        ko, kn = _keyed(old), _keyed(new)
        if ko is not None and kn is not None:
            changes = []
            for k in list(ko) + [k for k in kn if k not in ko]:
                changes.extend(diff(ko.get(k), kn.get(k), f"{path}/{k}"))
            return changes
        if all(not isinstance(i, dict | list) for i in old + new):
            return [Change(path, "changed", old, new)]
        changes = []
        for i in range(max(len(old), len(new))):
            changes.extend(
                diff(
                    old[i] if i < len(old) else None,
                    new[i] if i < len(new) else None,
                    f"{path}/{i}",
                )
            )
        return changes
    return [Change(path or "/", "changed", old, new)]
