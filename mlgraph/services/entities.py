"""Reading the catalog: entities with their aspects, listings, history, diffs and
relationships. Every reader (REST, SDK, CLI, UI, GraphQL) goes through here."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.model.registry import ASPECTS, ENTITIES, aspect_spec, entity_spec, parse_urn
from mlgraph.services.diff import Change, diff
from mlgraph.store.aspect_store import (
    AspectStore,
    EdgeRow,
    EntityRow,
    MetricPosition,
    StoredAspect,
)
from mlgraph.store.external_ids import ExternalId, ExternalIdStore
from mlgraph.store.overview_store import OverviewStore

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class AspectView:
    name: str
    value: dict[str, Any] | None
    version: int
    created_at: int
    actor: str
    run_id: str | None

    @classmethod
    def of(cls, row: StoredAspect) -> AspectView:
        value = orjson.loads(row.value) if row.value is not None else None
        return cls(row.aspect, value, row.version, row.created_at, row.actor, row.run_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "version": self.version,
            "created_at": self.created_at,
            "actor": self.actor,
            "run_id": self.run_id,
            "deleted": self.value is None,
        }


@dataclass(frozen=True, slots=True)
class EntityView:
    row: EntityRow
    aspects: dict[str, AspectView]

    def to_dict(self) -> dict[str, Any]:
        return {
            **entity_summary(self.row),
            "aspects": {name: a.to_dict() for name, a in self.aspects.items()},
        }


def entity_summary(row: EntityRow) -> dict[str, Any]:
    return {
        "urn": row.urn,
        "type": row.entity_type,
        "platform": row.platform,
        "name": row.name,
        "env": row.env,
        "removed": row.removed,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def encode_cursor(last: str) -> str:
    return base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return raw.decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(f"cursor {cursor!r} is not one this server issued") from None


class EntityService:
    def __init__(self, store: AspectStore, overview: OverviewStore, ids: ExternalIdStore) -> None:
        self.store = store
        self.overview = overview
        self.ids = ids

    def _entity(self, urn: str, include_removed: bool) -> EntityRow:
        parse_urn(urn)
        row = self.store.entity(urn)
        if row is None:
            raise NotFound(f"no entity {urn}")
        if row.removed and not include_removed:
            raise NotFound(
                f"entity {urn} is soft-deleted; ask with include_removed=true to read it",
                details={"removed": True},
            )
        return row

    def get(
        self, urn: str, aspects: list[str] | None = None, *, include_removed: bool = False
    ) -> EntityView:
        row = self._entity(urn, include_removed)
        spec = entity_spec(row.entity_type)
        for name in aspects or []:
            if name in ASPECTS:
                aspect_spec(spec, name)
        stored = self.store.latest_aspects(urn, aspects)
        return EntityView(row, {a.aspect: AspectView.of(a) for a in stored})

    def get_many(
        self, urns: list[str], aspects: list[str] | None = None, *, include_removed: bool = False
    ) -> dict[str, EntityView]:
        """Many entities with their aspects in two queries; absent (or hidden
        soft-deleted) ones are left out."""
        for urn in urns:
            parse_urn(urn)
        rows, stored = self.store.entities_with_aspects(urns, aspects)
        views = {
            urn: EntityView(row, {})
            for urn, row in rows.items()
            if include_removed or not row.removed
        }
        for a in stored:
            if a.urn in views:
                views[a.urn].aspects[a.aspect] = AspectView.of(a)
        return views

    def latest_values(self, urns: list[str], aspects: list[str]) -> dict[str, dict[str, Any]]:
        """The latest values of `aspects` of many entities, soft-deleted ones too:
        `{urn: {aspect: value}}`, in one query, without entity rows or versions (for
        pages of entities already known to exist)."""
        raw = self.store.latest_many(urns, aspects)
        return {
            urn: {name: orjson.loads(text) for name, text in found.items()}
            for urn, found in raw.items()
        }

    def aspect(self, urn: str, aspect: str, version: int | None = None) -> AspectView:
        row = self._entity(urn, include_removed=True)
        if aspect in ASPECTS:
            aspect_spec(entity_spec(row.entity_type), aspect)
        stored = self.store.aspect_version(urn, aspect, version)
        if stored is None:
            which = f"version {version} of " if version is not None else ""
            raise NotFound(f"no {which}aspect {aspect} on {urn}")
        return AspectView.of(stored)

    def history(
        self, urn: str, aspect: str, *, limit: int = 100, before: int | None = None
    ) -> list[AspectView]:
        self._entity(urn, include_removed=True)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        rows = self.store.history(urn, aspect, limit=limit, before=before)
        if not rows:
            raise NotFound(f"aspect {aspect} on {urn} has never been written")
        return [AspectView.of(r) for r in rows]

    def diff(self, urn: str, aspect: str, old: int, new: int) -> list[Change]:
        a = self.aspect(urn, aspect, old)
        b = self.aspect(urn, aspect, new)
        return diff(a.value, b.value)

    def page(
        self,
        *,
        entity_type: str | None = None,
        platform: str | None = None,
        env: str | None = None,
        include_removed: bool = False,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[EntityRow], str | None]:
        if entity_type is not None and entity_type not in ENTITIES:
            entity_spec(entity_type)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        after = decode_cursor(cursor) if cursor else None
        if platform is not None:
            platform = platform.removeprefix("urn:li:dataPlatform:")
        rows = self.store.list_entities(
            entity_type=entity_type,
            platform=platform,
            env=env,
            include_removed=include_removed,
            after=after,
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1].urn) if more else None)

    def relationships(
        self, urn: str, *, direction: str = "both", types: list[str] | None = None
    ) -> list[dict[str, Any]]:
        parse_urn(urn)
        if direction not in ("outgoing", "incoming", "both"):
            raise InvalidInput(f"direction {direction!r} is not one of outgoing, incoming, both")
        rows = self.store.edges_of(
            urn,
            outgoing=direction in ("outgoing", "both"),
            incoming=direction in ("incoming", "both"),
            rels=types,
        )
        # A URN that other entities point at has relationships before it has aspects.
        if not rows and self.store.entity(urn) is None:
            raise NotFound(f"no entity {urn}")
        return [_relationship(urn, e) for e in rows]

    def metric_history(
        self, urn: str, key: str, *, cursor: str | None = None, limit: int = 1000
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every logged point of one metric of a run, oldest first, paged."""
        self._entity(urn, include_removed=True)
        if not 1 <= limit <= 25_000:
            raise InvalidInput("limit must be between 1 and 25000")
        after = None
        if cursor:
            try:
                ts, step, *flag, value = decode_cursor(cursor).split(":")
                after = MetricPosition(int(ts), int(step), flag == ["1"], float(value))
            except ValueError:
                raise InvalidInput(f"cursor {cursor!r} is not one this server issued") from None
        rows = self.store.metric_history(urn, key, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        # JSON has no NaN: a NaN point says "NaN", as MLflow's history does.
        points = [
            {
                "key": key,
                "timestamp": r.timestamp,
                "step": r.step,
                "value": "NaN" if r.is_nan else r.stored,
            }
            for r in rows
        ]
        last = rows[-1] if more else None
        nxt = (
            encode_cursor(f"{last.timestamp}:{last.step}:{int(last.is_nan)}:{last.stored}")
            if last
            else None
        )
        return points, nxt

    def counts(self) -> dict[str, int]:
        """Live (not soft-deleted) entities per type."""
        return {t: live for t, (live, _) in self.overview.entity_counts().items() if live}

    def recently_changed(
        self, limit: int = 10, *, entity_type: str | None = None
    ) -> list[EntityView]:
        """The live entities changed last, newest first, with their aspects. Of one
        type: those among the last few thousand changes."""
        if entity_type is not None:
            entity_spec(entity_type)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        urns = self.overview.recently_changed(limit, entity_type)
        views = self.get_many(urns)
        return [views[u] for u in urns if u in views]

    def tagged(self, tag: str, *, entity_type: str, limit: int = 50) -> list[EntityView]:
        """Up to `limit` live entities of a type carrying `tag`, with their aspects."""
        entity_spec(entity_type)
        parse_urn(tag)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        urns = self.overview.tagged(tag, entity_type, limit)
        views = self.get_many(urns)
        return [views[u] for u in urns if u in views]

    # -- other systems' identifiers (written with `Op.CLAIM_ID`) ----------------

    def external_id(self, system: str, kind: str, key: str) -> ExternalId | None:
        """The entity another system knows by `key`, e.g. MLflow's experiment "3"."""
        return self.ids.by_key(system, kind, key)

    def external_id_named(self, system: str, kind: str, name: str) -> ExternalId | None:
        return self.ids.by_name(system, kind, name)

    def external_ids(self, system: str, kind: str) -> list[ExternalId]:
        return self.ids.all(system, kind)

    def external_ids_of(self, urn: str) -> list[ExternalId]:
        return self.ids.of_urn(urn)

    def last_external_number(self, system: str, kind: str) -> int | None:
        """The highest numeric id of a kind (None when there is none)."""
        return self.ids.last_number(system, kind)


def _relationship(urn: str, e: EdgeRow) -> dict[str, Any]:
    outgoing = e.source_urn == urn
    return {
        "type": e.rel,
        "direction": "outgoing" if outgoing else "incoming",
        "urn": e.target_urn if outgoing else e.source_urn,
        "aspect": e.aspect,
        "lineage": e.lineage,
    }
