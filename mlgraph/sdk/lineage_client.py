"""Lineage reads: a walk from any entity (every page gathered), and seed 004's questions
— training data, impact, endpoints, ancestry, approval and the lineage diff of two
models. `Client.lineage()`, `Client.impact()` and the rest call this."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from mlgraph.errors import MlgraphError
from mlgraph.sdk.http import API, Http
from mlgraph.sdk.lineage_types import (
    Approval,
    Comparison,
    Endpoint,
    Impact,
    Lineage,
    TrainingData,
)

# A walk holds at most 10,000 nodes, so a cursor that goes on longer is a server bug.
MAX_PAGES = 10_000


def _path(route: str, urn: str) -> str:
    return f"{API}/{route}/{quote(str(urn), safe='')}"


class LineageClient:
    def __init__(self, http: Http) -> None:
        self._http = http

    def lineage(
        self,
        urn: str,
        *,
        direction: str = "upstream",
        depth: int = 1,
        types: Iterable[str] | None = None,
        platforms: Iterable[str] | None = None,
        containment: bool = False,
        max_nodes: int | None = None,
        page_size: int | None = None,
    ) -> Lineage:
        """Walk lineage from `urn` and gather every page of the answer."""
        params: dict[str, Any] = {
            "direction": direction,
            "depth": depth,
            "types": sorted(types) if types else None,
            "platforms": sorted(platforms) if platforms else None,
            "containment": containment,
            "max_nodes": max_nodes,
            "limit": page_size,
        }
        pages: list[dict[str, Any]] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = self._http.call(
                "GET", _path("lineage", urn), params={**params, "cursor": cursor}
            )
            pages.append(page)
            cursor = page.get("next_cursor")
            if not cursor:
                return Lineage.from_pages(pages)
        raise MlgraphError(f"lineage of {urn}: the server's cursor ran past {MAX_PAGES} pages")

    def training_data(self, urn: str) -> TrainingData:
        return TrainingData.from_json(self._http.call("GET", _path("training-data", urn)))

    def impact(self, urn: str) -> Impact:
        return Impact.from_json(self._http.call("GET", _path("impact", urn)))

    def endpoints(self, urn: str) -> list[Endpoint]:
        data = self._http.call("GET", _path("endpoints", urn))
        return [Endpoint.from_json(e) for e in data["endpoints"]]

    def ancestry(self, urn: str) -> Lineage:
        return Lineage.from_pages([self._http.call("GET", _path("ancestry", urn))])

    def approval(self, urn: str) -> Approval:
        return Approval.from_json(self._http.call("GET", _path("approval", urn)))

    def compare(self, a: str, b: str) -> Comparison:
        data = self._http.call("GET", f"{API}/compare", params={"a": str(a), "b": str(b)})
        return Comparison.from_json(data)
