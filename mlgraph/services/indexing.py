"""What the search index holds for an aspect value, read from the declared model:
words for full text (`Searchable`), structured values for the filter grammar
(`Filter`: params, metrics, tags) and facet values (`Facet`: alias, subtype, ...).

This runs for every indexed aspect on ingest, so each aspect's paths are compiled once
into an `_IndexPlan` and every value's words come from one regex pass."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from mlgraph.model.query import PROPERTY_KIND
from mlgraph.model.registry import AspectSpec
from mlgraph.model.urn import InvalidUrn, Urn

_WORD = re.compile(r"[a-z0-9]+")

Extract = Callable[[Any], list[Any]]


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words: the one tokenizer, for documents and queries,
    so SQLite and PostgreSQL see exactly the same terms."""
    return _WORD.findall(text.lower())


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        if not value.startswith("urn:li:"):
            return value
        try:
            parts = Urn.parse(value).parts
        except InvalidUrn:
            return value
        return parts[1] if len(parts) >= 3 else parts[-1]  # (platform, name, env) -> name
    if isinstance(value, dict):
        return " ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True, slots=True)
class _IndexPlan:
    search: tuple[Extract, ...]
    filters: tuple[tuple[Extract, str], ...]  # (extract, property kind)
    facets: tuple[tuple[Extract, str], ...]  # (extract, facet name)


@cache
def _plan(spec: AspectSpec) -> _IndexPlan:
    return _IndexPlan(
        tuple(p.extract for p in spec.searchable),
        tuple((f.extract, PROPERTY_KIND[f.kind]) for f in spec.filters),
        tuple((f.extract, f.name) for f in spec.facets),
    )


def aspect_text(spec: AspectSpec, value: dict[str, Any]) -> str:
    """The aspect's searchable words, space-separated (the same words as tokenising
    each found value on its own: the separator is not a word character)."""
    texts = [_text_of(found) for extract in _plan(spec).search for found in extract(value)]
    return " ".join(words(" ".join(texts))) if texts else ""


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def aspect_properties(urn: str, spec: AspectSpec, value: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for `entity_properties`: one per param, metric, tag and facet value."""
    plan = _plan(spec)
    name = spec.name
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for extract, kind in plan.filters:
        for found in extract(value):
            items = (
                found.items()
                if isinstance(found, dict)
                else ((p.get("name"), p.get("value")) for p in found if isinstance(p, dict))
            )
            metric = kind == "metric"
            for key, raw in items:
                if key is None:
                    continue
                rows[(kind, key)] = {
                    "urn": urn,
                    "aspect": name,
                    "kind": kind,
                    "key": key,
                    "value_text": None if raw is None else str(raw),
                    "value_num": _number(raw) if metric else None,
                }
    for extract, facet in plan.facets:
        for found in extract(value):
            key = f"{facet}:{found}"
            rows[("facet", key)] = {
                "urn": urn,
                "aspect": name,
                "kind": "facet",
                "key": key,
                "value_text": str(found),
                "value_num": None,
            }
    return list(rows.values())
