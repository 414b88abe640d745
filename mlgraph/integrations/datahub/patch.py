"""DataHub's JSON Patch dialect, applied to an aspect's current value.

RFC 6902 addresses list items by index; DataHub addresses them by key. With
`arrayPrimaryKeys: {"tags": ["attribution␟source", "tag"]}`, the path
`/tags//urn:li:tag:pii` means "the element of `tags` whose attribution.source is ''
and whose tag is urn:li:tag:pii": `add` upserts that element, `remove` drops every
element matching the (possibly shorter) key prefix. Patches without
`arrayPrimaryKeys` (older clients) get the keys DataHub's server templates use.
Lists of plain URNs (`trainingJobs`, `inputDatasets`) behave as sets. Missing parents
are created, as DataHub starts from an empty aspect.
"""

from __future__ import annotations

import copy
from typing import Any

from mlgraph.errors import InvalidInput

SEP = "\u241f"  # separates nested field names in a key, e.g. attribution␟source

# (aspect, list field) -> key fields, for patches that do not name their keys.
DEFAULT_KEYS: dict[tuple[str, str], list[str]] = {
    ("globalTags", "tags"): ["tag"],
    ("glossaryTerms", "terms"): ["urn"],
    ("ownership", "owners"): ["owner", "type"],
    ("domains", "domainAssociations"): ["domain"],
    ("institutionalMemory", "elements"): ["url"],
    ("upstreamLineage", "upstreams"): ["dataset"],
    ("schemaMetadata", "fields"): ["fieldPath"],
    ("dataProcessInstanceInput", "inputEdges"): ["destinationUrn"],
    ("dataProcessInstanceOutput", "outputEdges"): ["destinationUrn"],
}
OPS = ("add", "remove", "replace")


def apply_patch(aspect: str, current: dict[str, Any] | None, payload: Any) -> dict[str, Any]:
    """The aspect's new value. `payload` is a list of operations, or DataHub's
    `{"arrayPrimaryKeys": {...}, "patch": [...]}` envelope."""
    keys: dict[str, list[str]] = {f: k for (a, f), k in DEFAULT_KEYS.items() if a == aspect}
    if isinstance(payload, dict):
        named = payload.get("arrayPrimaryKeys") or {}
        if not isinstance(named, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in named.values()
        ):
            raise InvalidInput("arrayPrimaryKeys must map field names to lists of key fields")
        keys.update(named)
        payload = payload.get("patch")
    if not isinstance(payload, list) or not all(isinstance(op, dict) for op in payload):
        raise InvalidInput("a patch must be a list of JSON Patch operations")
    doc = copy.deepcopy(current) if current else {}
    for i, op in enumerate(payload):
        try:
            _apply(doc, op, keys)
        except InvalidInput as exc:
            raise InvalidInput(f"patch[{i}] ({op.get('op')} {op.get('path')}): {exc}") from None
    return doc


def _parts(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise InvalidInput("the path must start with '/' and name a field")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _field(element: Any, key_field: str) -> str:
    for name in key_field.split(SEP):
        element = element.get(name) if isinstance(element, dict) else None
    return "" if element is None else str(element)


def _matches(element: Any, key_fields: list[str], given: list[str]) -> bool:
    return all(_field(element, k) == g for k, g in zip(key_fields, given, strict=False))


def _apply(doc: dict[str, Any], op: dict[str, Any], keys: dict[str, list[str]]) -> None:
    kind = op.get("op")
    if kind not in OPS:
        raise InvalidInput(f"unsupported operation {kind!r}; use one of {', '.join(OPS)}")
    if kind != "remove" and "value" not in op:
        raise InvalidInput(f"{kind} needs a value")
    parts = _parts(op.get("path"))
    value = op.get("value")
    node: Any = doc
    fields: list[str] = []  # the object fields walked so far: how keys are named
    i = 0
    while i < len(parts):
        part, last = parts[i], i == len(parts) - 1
        if isinstance(node, dict):
            if last:
                if kind == "remove":
                    node.pop(part, None)
                else:
                    node[part] = value
                return
            fields.append(part)
            if node.get(part) is None:
                if kind == "remove":
                    return  # nothing there to remove
                as_set = i + 2 == len(parts) and parts[i + 1] == value
                node[part] = [] if SEP.join(fields) in keys or as_set else {}
            node = node[part]
            i += 1
        elif isinstance(node, list):
            key_fields = keys.get(SEP.join(fields))
            if key_fields:
                given = parts[i : i + len(key_fields)]
                if i + len(key_fields) < len(parts):  # a path into one keyed element
                    node = _element(node, key_fields, given, kind)
                    if node is None:
                        return
                    i += len(key_fields)
                    continue
                _keyed(node, key_fields, given, kind, value)
                return
            if not last:
                raise InvalidInput(f"cannot walk into a list element by {part!r}")
            _plain(node, part, kind, value)
            return
        else:
            raise InvalidInput(f"{'/'.join(parts[:i])!r} is not an object or a list")


def _element(
    items: list[Any], key_fields: list[str], given: list[str], kind: str
) -> dict[str, Any] | None:
    for item in items:
        if isinstance(item, dict) and _matches(item, key_fields, given):
            return item
    if kind == "remove":
        return None
    item = {}
    for key_field, key in zip(key_fields, given, strict=True):
        *outer, name = key_field.split(SEP)
        target = item
        for o in outer:
            target = target.setdefault(o, {})
        target[name] = key
    items.append(item)
    return item


def _keyed(
    items: list[Any], key_fields: list[str], given: list[str], kind: str, value: Any
) -> None:
    kept = [item for item in items if not _matches(item, key_fields, given)]
    if kind != "remove":
        at = next((n for n, item in enumerate(items) if _matches(item, key_fields, given)), None)
        kept.insert(len(kept) if at is None else at, value)
    items[:] = kept


def _plain(items: list[Any], part: str, kind: str, value: Any) -> None:
    if part == "-" and kind == "add":
        items.append(value)
    elif part.isdigit() and value != part:
        index = int(part)
        if index > len(items) or (kind != "add" and index == len(items)):
            raise InvalidInput(f"index {index} is out of range")
        if kind == "add":
            items.insert(index, value)
        elif kind == "replace":
            items[index] = value
        else:
            del items[index]
    elif kind == "remove":  # a set of plain values: drop this one
        items[:] = [item for item in items if item != part]
    elif value not in items:
        items.append(value)
