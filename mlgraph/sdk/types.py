"""What the SDK returns besides entities: write results, aspect versions, diffs,
relationships and entity summaries. Plain frozen dataclasses, built from the server's
JSON in one place each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgraph.model.aspects import Aspect
from mlgraph.model.registry import ASPECTS


@dataclass(frozen=True, slots=True)
class WriteResult:
    op: str
    urn: str
    aspect: str | None
    version: int | None
    changed: bool

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> WriteResult:
        return cls(d["op"], d["urn"], d.get("aspect"), d.get("version"), bool(d["changed"]))


@dataclass(frozen=True, slots=True)
class EntitySummary:
    urn: str
    type: str
    platform: str | None
    name: str
    env: str | None
    removed: bool
    created_at: int
    updated_at: int

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> EntitySummary:
        return cls(
            d["urn"],
            d["type"],
            d.get("platform"),
            d["name"],
            d.get("env"),
            bool(d.get("removed", False)),
            d["created_at"],
            d["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class AspectVersion:
    """One stored version of an aspect. `value` is None for a deletion tombstone."""

    urn: str
    aspect: str
    value: dict[str, Any] | None
    version: int
    created_at: int
    actor: str
    run_id: str | None
    deleted: bool

    @classmethod
    def from_json(cls, urn: str, aspect: str, d: dict[str, Any]) -> AspectVersion:
        return cls(
            urn,
            aspect,
            d.get("value"),
            d["version"],
            d["created_at"],
            d["actor"],
            d.get("run_id"),
            bool(d.get("deleted", False)),
        )

    def parsed(self) -> Aspect | None:
        """The value as its declared aspect class (None for a tombstone or an aspect
        mlgraph does not model)."""
        spec = ASPECTS.get(self.aspect)
        if spec is None or self.value is None:
            return None
        return spec.schema.model_validate(self.value)


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    kind: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None


@dataclass(frozen=True, slots=True)
class AspectDiff:
    urn: str
    aspect: str
    from_version: int
    to_version: int
    changes: tuple[Change, ...]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AspectDiff:
        return cls(
            d["urn"],
            d["aspect"],
            d["from_version"],
            d["to_version"],
            tuple(Change(c["path"], c["kind"], c.get("old"), c.get("new")) for c in d["changes"]),
        )


@dataclass(frozen=True, slots=True)
class Relationship:
    type: str
    direction: str  # "outgoing" or "incoming"
    urn: str  # the entity at the other end
    aspect: str
    lineage: str | None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Relationship:
        return cls(d["type"], d["direction"], d["urn"], d["aspect"], d.get("lineage"))
