"""MLflow's search dialects on top of mlgraph's filter grammar (`parse_filter`).

`parse_filter` knows params, metrics, tags and catalog attributes; MLflow adds its own
attributes (run status, start_time, experiment creation_time, ...) and `datasets.*`.
Those keys are renamed into the grammar's namespaces before parsing (string
attributes as tags, numeric ones as metrics, run_id as `attributes.urn` so IN works),
then renamed back — one grammar, one tokenizer. `matches` evaluates a clause on a
loaded record, for attributes and for views the search index does not cover;
`order` sorts by MLflow's order_by with missing values last; page tokens are
MLflow's base64 JSON offsets."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import InvalidInput
from mlgraph.integrations.mlflow.server.errors import invalid
from mlgraph.services.filters import Clause, parse_filter

_ATTR_PREFIXES = {"attributes", "attribute", "attr", "run"}
_DATASET_PREFIXES = {"datasets", "dataset"}
_MARK = "__mlflow_attr__"
_TOKEN = re.compile(
    r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`"""
    r"""|(?P<ident>[A-Za-z_]\w*(?:\.(?:[A-Za-z_][\w\-:]*|`[^`]*`|'[^']*'|"[^"]*"))?)"""
)
_ALIASES = {"created": "start_time", "run name": "run_name", "version": "version_number"}


@dataclass
class Record:
    """What a clause is evaluated against."""

    attrs: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    datasets: list[dict[str, Any]] = field(default_factory=list)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


def parse(source: str | None, strings: set[str], numbers: set[str]) -> list[Clause]:
    """Parse an MLflow filter whose attributes are `strings` and `numbers`."""
    if not source or not source.strip():
        return []

    def rename(m: re.Match[str]) -> str:
        ident = m.group("ident")
        if ident is None:
            return m.group(0)
        head, dot, rest = ident.partition(".")
        if dot and head.lower() in _DATASET_PREFIXES:
            return f"tags.`{_MARK}dataset.{_unquote(rest).lower()}`"
        if dot and head.lower() not in _ATTR_PREFIXES:
            return ident
        name = _unquote(rest if dot else head).lower()
        name = _ALIASES.get(name, name)
        if name == "run_id" and "run_id" in strings:
            return "attributes.urn"
        if name in numbers:
            return f"metrics.`{_MARK}{name}`"
        if name in strings:
            return f"tags.`{_MARK}{name}`"
        if dot:
            raise invalid(f"Invalid attribute key '{rest}' specified.")
        return ident

    try:
        clauses = parse_filter(_TOKEN.sub(rename, source))
    except InvalidInput as exc:
        raise invalid(f"Error on parsing filter '{source}': {exc.message}") from None
    out = []
    for c in clauses:
        if c.key.startswith(_MARK):
            name = c.key[len(_MARK) :]
            kind = "dataset" if name.startswith("dataset.") else "attr"
            out.append(Clause(kind, name.removeprefix("dataset."), c.op, c.value))
        elif c.kind == "attribute" and c.key == "urn" and "run_id" in strings:
            out.append(Clause("attr", "run_id", c.op, c.value))
        elif c.kind == "attribute" and c.key in strings:
            out.append(Clause("attr", c.key, c.op, c.value))
        elif c.kind == "attribute":
            raise invalid(f"Invalid attribute key '{c.key}' specified.")
        else:
            out.append(c)
    return out


def _like(pattern: str, text: str, insensitive: bool) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return (
        re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL)
        is not None
    )


def compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "IS NULL":
        return actual is None
    if op == "IS NOT NULL":
        return actual is not None
    if actual is None:
        return False
    if op in ("IN", "NOT IN"):
        return (str(actual) in expected) == (op == "IN")
    if op in ("LIKE", "ILIKE"):
        return _like(str(expected), str(actual), op == "ILIKE")
    if isinstance(expected, float):
        try:
            actual = float(actual)
        except (TypeError, ValueError):
            return False
        if math.isnan(actual):
            return False
    else:
        actual = str(actual)
    return {
        "=": actual == expected,
        "!=": actual != expected,
        ">": actual > expected,
        ">=": actual >= expected,
        "<": actual < expected,
        "<=": actual <= expected,
    }[op]


def matches(c: Clause, r: Record) -> bool:
    if c.kind == "dataset":
        return any(compare(c.op, d.get(c.key), c.value) for d in r.datasets)
    source: dict[str, Any] = {
        "attr": r.attrs,
        "param": r.params,
        "metric": r.metrics,
        "tag": r.tags,
    }[c.kind]
    return compare(c.op, source.get(c.key), c.value)


_ORDER = re.compile(r"^\s*(?P<key>.+?)(?:\s+(?P<dir>ASC|DESC))?\s*$", re.IGNORECASE)


def parse_order(
    order_by: list[Any], strings: set[str], numbers: set[str]
) -> list[tuple[str, str, bool]]:
    """[(kind, key, descending)] from MLflow order_by clauses."""
    out = []
    for raw in order_by:
        m = _ORDER.match(str(raw))
        if not m:
            raise invalid(f"Invalid order_by clause '{raw}'.")
        key, desc = m.group("key"), (m.group("dir") or "ASC").upper() == "DESC"
        head, dot, rest = key.partition(".")
        kind = {"metrics": "metric", "metric": "metric", "params": "param", "param": "param"}
        kind |= {"parameters": "param", "tags": "tag", "tag": "tag"}
        if dot and head.lower() in kind:
            out.append((kind[head.lower()], _unquote(rest), desc))
            continue
        name = _unquote(rest if dot and head.lower() in _ATTR_PREFIXES else key).lower()
        name = _ALIASES.get(name, name)
        if name not in strings | numbers:
            raise invalid(f"Invalid order_by clause '{raw}': unknown key '{key}'.")
        out.append(("attr", name, desc))
    return out


def _field(r: Record, kind: str, key: str) -> Any:
    return {"attr": r.attrs, "param": r.params, "metric": r.metrics, "tag": r.tags}[kind].get(key)


def _missing(v: Any) -> int:
    """0 for a value, 1 for NaN, 2 for none: MLflow orders NaN after numbers, then none."""
    if v is None:
        return 2
    return 1 if isinstance(v, float) and math.isnan(v) else 0


def order(records: list[Record], keys: list[tuple[str, str, bool]]) -> list[Record]:
    """Sort by the keys, first key most significant; NaN, then missing values, last."""
    out = list(records)
    for kind, key, desc in reversed(keys):
        present: list[Record] = []
        absent: list[Record] = []
        for r in out:
            (absent if _missing(_field(r, kind, key)) else present).append(r)
        present.sort(key=lambda r: _field(r, kind, key), reverse=desc)
        absent.sort(key=lambda r: _missing(_field(r, kind, key)))
        out = present + absent
    return out


def token_offset(token: str | None) -> int:
    """The offset a page token (MLflow's base64 JSON `{"offset": n}`) carries."""
    if not token:
        return 0
    try:
        offset = int(json.loads(base64.b64decode(token, validate=True))["offset"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid(f"Invalid page token '{token}'.") from None
    if offset < 0:
        raise invalid(f"Invalid page token '{token}'.")
    return offset


def make_token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    offset = token_offset(token)
    chunk = items[offset : offset + size]
    return chunk, make_token(offset + size) if offset + size < len(items) else None
