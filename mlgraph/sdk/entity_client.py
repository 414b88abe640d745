"""`client.entities`: write whole entities (upsert), read them back typed (get), write
only what changed under optimistic locking (update), delete, restore and list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, overload

import orjson

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.sdk.entities import Entity, entity_from_json
from mlgraph.sdk.http import API, Http, entity_path
from mlgraph.sdk.types import EntitySummary, WriteResult

E = TypeVar("E", bound=Entity)
# Proposals per request when upserting many entities: larger batches amortise the
# server's commit (WAL pages, the full-text segment) over more aspects.
MAX_BATCH = 5000

# (entity the result belongs to, aspect, value JSON as sent or None for a deletion)
_Ref = tuple[Entity | None, str, bytes | None]


def _proposal(
    op: str, urn_json: bytes, aspect: str, raw: bytes | None, expected: int | None
) -> bytes:
    """One proposal as JSON, splicing in the value bytes already serialised."""
    out = b'{"op":"' + op.encode() + b'","urn":' + urn_json + b',"aspect":' + orjson.dumps(aspect)
    if raw is not None:
        out += b',"value":' + raw
    if expected is not None:
        out += b',"expected_version":' + str(expected).encode()
    return out + b"}"


class _Batch:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.refs: list[_Ref] = []

    def add(
        self, entity: Entity | None, urn: str, aspect: str, raw: bytes | None, expected: int | None
    ) -> None:
        op = "upsert" if raw is not None else "delete_aspect"
        self.parts.append(_proposal(op, orjson.dumps(urn), aspect, raw, expected))
        self.refs.append((entity, aspect, raw))

    def body(self) -> bytes:
        return b'{"proposals":[' + b",".join(self.parts) + b"]}"


def _urn(entity_or_urn: Entity | str) -> str:
    return entity_or_urn.urn if isinstance(entity_or_urn, Entity) else str(entity_or_urn)


class EntityClient:
    def __init__(self, http: Http) -> None:
        self._http = http

    # -- writes ----------------------------------------------------------------

    def upsert(self, entities: Entity | Iterable[Entity]) -> list[WriteResult]:
        """Write every aspect each entity holds. One entity is one atomic batch; a list
        goes in requests of at most 5000 proposals, never splitting an entity, sent one
        after another: a failed request stops the rest."""
        items = [entities] if isinstance(entities, Entity) else list(entities)
        by_urn = {e.urn: e for e in items}
        # Links first: a deployment in this call edits its model's aspect before the
        # model is serialised, whatever their order in the list.
        links = [self._links(entity, by_urn) for entity in items]
        return self._send_all(self._batches(items, links))

    def _batches(
        self, items: list[Entity], links: list[list[tuple[str, str, bytes, int]]]
    ) -> Iterator[_Batch]:
        batch = _Batch()
        for entity, extra in zip(items, links, strict=True):
            pending = entity._pending(only_changed=False)
            if batch.parts and len(batch.parts) + len(pending) + len(extra) > MAX_BATCH:
                yield batch
                batch = _Batch()
            for aspect, raw, expected in pending:
                batch.add(entity, entity.urn, aspect, raw, expected)
            for urn, aspect, raw, expected in extra:
                batch.add(None, urn, aspect, raw, expected)
        if batch.parts:
            yield batch

    def _send_all(self, batches: Iterator[_Batch]) -> list[WriteResult]:
        """Send batches strictly one after another, but serialise the next one while
        the server works on the current one (client and server CPU overlap)."""
        batch = next(batches, None)
        following = next(batches, None)
        if batch is None or following is None:
            return self._send(batch) if batch is not None else []
        results: list[WriteResult] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlgraph-upsert") as pool:
            while batch is not None:
                in_flight = pool.submit(self._send, batch)
                try:
                    # Serialise the batch after next while this one is on the wire.
                    batch, following = following, next(batches, None)
                finally:
                    results.extend(in_flight.result())  # an error stops before the next send
        return results

    def update(self, entity: Entity) -> list[WriteResult]:
        """Write the aspects changed since `get` or `upsert`, each only if its stored
        version is still the one read (else `Conflict`); aspects removed locally are
        deleted. An entity never read or written is upserted whole."""
        batch = _Batch()
        for aspect, raw, expected in entity._pending(only_changed=True):
            batch.add(entity, entity.urn, aspect, raw, expected)
        for urn, aspect, raw, expected in self._links(entity, {entity.urn: entity}):
            batch.add(None, urn, aspect, raw, expected)
        return self._send(batch) if batch.parts else []

    def _links(self, entity: Entity, local: dict[str, Entity]) -> list[tuple[str, str, bytes, int]]:
        """Writes to other entities an entity asks for (a deployment's model): done on
        the local object when it is in the same call, else read-modify-write guarded by
        the version read."""
        out = []
        for target, aspect, field, urn in entity._links():
            if target in local:
                local[target]._add_to_list(aspect, field, urn)
                continue
            try:
                current = self._http.call("GET", entity_path(target, "aspects", aspect))
                value, version = current["value"] or {}, current["version"]
            except NotFound:
                value, version = {}, 0
            items = value.setdefault(field, [])
            if urn not in items:
                items.append(urn)
                out.append((target, aspect, orjson.dumps(value), version))
        return out

    def _send(self, batch: _Batch) -> list[WriteResult]:
        data = self._http.call("POST", f"{API}/proposals", body=batch.body())
        results = [WriteResult.from_json(r) for r in data["results"]]
        for (entity, aspect, raw), result in zip(batch.refs, results, strict=True):
            if entity is not None:
                entity._mark_synced(aspect, raw, result.version)
        return results

    def delete(self, entity: Entity | str, *, hard: bool = False) -> WriteResult:
        """Soft-delete (hide; `restore` undoes it) or, with `hard=True`, erase."""
        data = self._http.call("DELETE", entity_path(_urn(entity)), params={"hard": hard})
        return WriteResult.from_json(data["results"][0])

    def restore(self, entity: Entity | str) -> WriteResult:
        data = self._http.call("POST", entity_path(_urn(entity), "restore"))
        return WriteResult.from_json(data["results"][0])

    # -- reads -----------------------------------------------------------------

    @overload
    def get(self, urn: str, cls: None = None, *, include_removed: bool = False) -> Entity: ...

    @overload
    def get(self, urn: str, cls: type[E], *, include_removed: bool = False) -> E: ...

    def get(
        self, urn: str, cls: type[E] | None = None, *, include_removed: bool = False
    ) -> Entity | E:
        """The entity with all its aspects, as its typed class (`MLModel`, `Experiment`,
        `TrainingRun`...). Given `cls`, a different stored type is an `InvalidInput`."""
        data = self._http.call(
            "GET", entity_path(urn), params={"include_removed": include_removed or None}
        )
        entity = entity_from_json(data)
        if cls is not None and not isinstance(entity, cls):
            raise InvalidInput(f"{urn} is a {type(entity).__name__}, not a {cls.__name__}")
        return entity

    def exists(self, urn: str) -> bool:
        try:
            self._http.call("GET", entity_path(urn), params={"aspects": "status"})
        except NotFound:
            return False
        return True

    def list(
        self,
        *,
        type: str | None = None,
        platform: str | None = None,
        env: str | None = None,
        include_removed: bool = False,
        page_size: int = 100,
    ) -> Iterator[EntitySummary]:
        """Every matching entity, fetched a page at a time as the iterator advances."""
        cursor: str | None = None
        while True:
            data = self._http.call(
                "GET",
                f"{API}/entities",
                params={
                    "type": type,
                    "platform": platform,
                    "env": env,
                    "include_removed": include_removed or None,
                    "cursor": cursor,
                    "limit": page_size,
                },
            )
            for row in data["entities"]:
                yield EntitySummary.from_json(row)
            cursor = data.get("next_cursor")
            if not cursor:
                return

    def __repr__(self) -> str:
        return f"EntityClient({self._http.url!r})"
