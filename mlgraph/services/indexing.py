"""What the search index holds for an aspect value, read from the declared model:
words for full text (`Searchable`), structured values for the filter grammar
(`Filter`: params, metrics, tags) and facet values (`Facet`: alias, subtype, ...)."""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

from mlgraph.model.registry import ASPECTS, ENTITIES, AspectSpec
from mlgraph.model.urn import InvalidUrn, Urn

_WORD = re.compile(r"[a-z0-9]+")
_KIND = {"params": "param", "metrics": "metric", "tags": "tag"}


@cache
def kinds_from_several_aspects() -> frozenset[str]:
    """Property kinds one entity can hold under the same key from two of its aspects
    (a run's tags come from two): a search over such a kind may meet an entity twice."""
    several: set[str] = set()
    for entity in ENTITIES.values():
        seen: set[str] = set()
        for name in entity.aspects:
            spec = ASPECTS.get(name)
            if spec is None:
                continue
            kinds = {_KIND[f.kind] for f in spec.filters} | {"facet" for _ in spec.facets}
            several |= kinds & seen
            seen |= kinds
    return frozenset(several)


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words: the one tokenizer, for documents and queries,
    so SQLite and PostgreSQL see exactly the same terms."""
    return _WORD.findall(text.lower())


def _text_of(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, str) and value.startswith("urn:li:"):
        try:
            parts = Urn.parse(value).parts
        except InvalidUrn:
            return value
        return parts[1] if len(parts) >= 3 else parts[-1]  # (platform, name, env) -> name
    return str(value)


def aspect_words(spec: AspectSpec, value: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for path in spec.searchable:
        for found in path.extract(value):
            out.extend(words(_text_of(found)))
    return out


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def aspect_properties(urn: str, spec: AspectSpec, value: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for `entity_properties`: one per param, metric, tag and facet value."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for f in spec.filters:
        kind = _KIND[f.kind]
        for found in f.extract(value):
            items = (
                found.items()
                if isinstance(found, dict)
                else ((p.get("name"), p.get("value")) for p in found if isinstance(p, dict))
            )
            for key, raw in items:
                if key is None:
                    continue
                text = None if raw is None else str(raw)
                rows[(kind, key)] = {
                    "urn": urn,
                    "aspect": spec.name,
                    "kind": kind,
                    "key": key,
                    "value_text": text,
                    "value_num": _number(raw) if kind == "metric" else None,
                }
    for facet in spec.facets:
        for found in facet.extract(value):
            key = f"{facet.name}:{found}"
            rows[("facet", key)] = {
                "urn": urn,
                "aspect": spec.name,
                "kind": "facet",
                "key": key,
                "value_text": str(found),
                "value_num": None,
            }
    return list(rows.values())
