"""`client.aspects` (one aspect at a time: read any version, put, patch, delete,
history, diff) and `client.proposals` (raw proposal batches, applied atomically)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from mlgraph.model.aspects import Aspect
from mlgraph.sdk.http import API, Http, entity_path
from mlgraph.sdk.types import AspectDiff, AspectVersion, WriteResult


def aspect_json(value: Aspect | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Aspect):
        return value.model_dump(mode="json", exclude_none=True)
    return dict(value)


class AspectClient:
    def __init__(self, http: Http) -> None:
        self._http = http

    def get(self, urn: str, aspect: str, *, version: int | None = None) -> AspectVersion:
        """The latest version of an aspect, or a past `version`."""
        data = self._http.call(
            "GET", entity_path(urn, "aspects", aspect), params={"version": version}
        )
        return AspectVersion.from_json(str(urn), aspect, data)

    def put(
        self,
        urn: str,
        aspect: str,
        value: Aspect | Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> WriteResult:
        """Replace an aspect. `expected_version` guards against lost updates (0: the
        aspect must not exist yet); a mismatch raises `Conflict`."""
        data = self._http.call(
            "PUT",
            entity_path(urn, "aspects", aspect),
            params={"expected_version": expected_version},
            body=orjson.dumps(aspect_json(value)),
        )
        return WriteResult.from_json(data["results"][0])

    def patch(
        self,
        urn: str,
        aspect: str,
        operations: Sequence[Mapping[str, Any]],
        *,
        expected_version: int | None = None,
    ) -> WriteResult:
        """Apply an RFC 6902 JSON Patch, e.g. `[{"op": "add", "path": "/tags/-", ...}]`."""
        data = self._http.call(
            "PATCH",
            entity_path(urn, "aspects", aspect),
            params={"expected_version": expected_version},
            body=orjson.dumps([dict(op) for op in operations]),
            content_type="application/json-patch+json",
        )
        return WriteResult.from_json(data["results"][0])

    def delete(self, urn: str, aspect: str, *, expected_version: int | None = None) -> WriteResult:
        data = self._http.call(
            "DELETE",
            entity_path(urn, "aspects", aspect),
            params={"expected_version": expected_version},
        )
        return WriteResult.from_json(data["results"][0])

    def history(
        self, urn: str, aspect: str, *, limit: int = 100, before: int | None = None
    ) -> list[AspectVersion]:
        """Stored versions, newest first; `before` pages back past a version number."""
        data = self._http.call(
            "GET",
            entity_path(urn, "aspects", aspect, "history"),
            params={"limit": limit, "before": before},
        )
        return [AspectVersion.from_json(str(urn), aspect, v) for v in data["versions"]]

    def diff(self, urn: str, aspect: str, from_version: int, to_version: int) -> AspectDiff:
        data = self._http.call(
            "GET",
            entity_path(urn, "aspects", aspect, "diff"),
            params={"from": from_version, "to": to_version},
        )
        return AspectDiff.from_json(data)


class ProposalClient:
    def __init__(self, http: Http) -> None:
        self._http = http

    def apply(self, proposals: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Apply raw proposals (`{"op", "urn", "aspect", "value"|"patch",
        "expected_version", "hard"}`) as one atomic batch."""
        if not proposals:
            return []
        body = orjson.dumps({"proposals": [dict(p) for p in proposals]})
        data = self._http.call("POST", f"{API}/proposals", body=body)
        return [WriteResult.from_json(r) for r in data["results"]]
