"""Typed URNs: `urn:li:<entityType>:<key>`, parsed and validated once at the edge.

A key is either one part (`urn:li:corpuser:jdoe`) or a parenthesised, comma-separated
tuple whose parts may themselves be URNs
(`urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)`). Reserved characters inside
a part are percent-encoded (`%2C`, `%28`, `%29`), as DataHub's UrnEncoder does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mlgraph.errors import InvalidInput

PREFIX = "urn:li:"
_RESERVED = {",": "%2C", "(": "%28", ")": "%29"}


class InvalidUrn(InvalidInput):
    code = "invalid_urn"


def encode_part(value: str) -> str:
    """Percent-encode the characters that would break a tuple key."""
    for ch, enc in _RESERVED.items():
        value = value.replace(ch, enc)
    return value


def _split_tuple(text: str, raw: str) -> tuple[str, ...]:
    if "(" not in text and ")" not in text:
        return tuple(text.split(","))
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise InvalidUrn(f"unbalanced ')' in URN {raw!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise InvalidUrn(f"unbalanced '(' in URN {raw!r}")
    parts.append(text[start:])
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Urn:
    """A parsed URN. `parts` are the key's components, nested URNs left as text."""

    entity_type: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Any) -> Urn:
        if isinstance(raw, Urn):
            return raw
        if not isinstance(raw, str):
            raise InvalidUrn(f"a URN must be a string, got {type(raw).__name__}")
        return _parse(raw)

    @classmethod
    def _parse_uncached(cls, raw: str) -> Urn:
        if not raw.startswith(PREFIX):
            raise InvalidUrn(f"URN {raw!r} must start with 'urn:li:'")
        rest = raw[len(PREFIX) :]
        entity_type, sep, key = rest.partition(":")
        if not sep or not entity_type or not entity_type.isidentifier():
            raise InvalidUrn(f"URN {raw!r} must look like 'urn:li:<entityType>:<key>'")
        if not key:
            raise InvalidUrn(f"URN {raw!r} has an empty key")
        if key.startswith("("):
            if not key.endswith(")"):
                raise InvalidUrn(f"URN {raw!r}: a tuple key must end with ')'")
            parts = _split_tuple(key[1:-1], raw)
        else:
            if any(ch in key for ch in "()") and not key.startswith("urn:li:"):
                raise InvalidUrn(f"URN {raw!r}: parentheses must be percent-encoded")
            parts = (key,)
        if any(p == "" or p.strip() != p for p in parts):
            raise InvalidUrn(f"URN {raw!r} has an empty part or a part with surrounding spaces")
        return cls(entity_type, parts)

    @classmethod
    def of(cls, entity_type: str, *parts: str) -> Urn:
        return cls(entity_type, tuple(parts))

    def __str__(self) -> str:
        if len(self.parts) == 1 and not self.parts[0].startswith("urn:li:"):
            return f"{PREFIX}{self.entity_type}:{self.parts[0]}"
        if len(self.parts) == 1:
            # A single nested URN still goes in parentheses, as in schemaField keys.
            return f"{PREFIX}{self.entity_type}:({self.parts[0]})"
        return f"{PREFIX}{self.entity_type}:({','.join(self.parts)})"


@lru_cache(maxsize=100_000)
def _parse(raw: str) -> Urn:
    # Ingest repeats the same URNs (every aspect of an entity, every edge target).
    return Urn._parse_uncached(raw)


def guid(fields: dict[str, Any]) -> str:
    """DataHub's GUID rule: md5 of the JSON with sorted keys and no spaces."""
    text = json.dumps(fields, separators=(",", ":"), sort_keys=True)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def user_urn(user: str) -> str:
    """A user name as its corpuser URN (`rzeng` -> `urn:li:corpuser:rzeng`); a URN is
    returned unchanged."""
    if user.startswith(PREFIX):
        return user
    return f"{PREFIX}corpuser:{encode_part(user)}"


def platform_urn(platform: str) -> str:
    """`mlflow` -> `urn:li:dataPlatform:mlflow`; an URN is returned unchanged."""
    if platform.startswith(PREFIX):
        Urn.parse(platform)
        return platform
    return f"{PREFIX}dataPlatform:{platform}"


def platform_name(platform: str) -> str:
    return platform.removeprefix(f"{PREFIX}dataPlatform:")
