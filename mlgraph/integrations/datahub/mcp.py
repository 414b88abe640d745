"""Reading DataHub MetadataChangeProposals (MCPs) off the wire.

An MCP names an entity, an aspect and a change type; its aspect value is JSON encoded
a second time, as a string inside the JSON body:
`{"entityUrn": ..., "changeType": "UPSERT", "aspectName": "globalTags",
"aspect": {"value": "{\\"tags\\": []}", "contentType": "application/json"}}`.
Everything wrong with one is reported as a `BadRequest` naming where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from mlgraph.errors import BadRequest, MlgraphError
from mlgraph.integrations.datahub.records import NO_RUN_ID, unions_to_wire
from mlgraph.model.registry import ENTITIES
from mlgraph.model.urn import Urn

WRITE_TYPES = frozenset({"UPSERT", "CREATE", "UPDATE", "RESTATE"})
CHANGE_TYPES = WRITE_TYPES | {"CREATE_ENTITY", "DELETE", "PATCH"}
CONTENT_TYPES = frozenset({"application/json", "application/json-patch+json"})


@dataclass(frozen=True, slots=True)
class Mcp:
    """One decoded MCP. `value` is the aspect's value (for PATCH, the patch payload)."""

    index: int
    urn: str
    entity_type: str
    change_type: str
    aspect: str | None
    value: Any
    run_id: str | None

    @property
    def modelled(self) -> bool:
        """Whether mlgraph models this entity type (others are accepted and ignored)."""
        return self.entity_type in ENTITIES

    @property
    def where(self) -> str:
        return f"proposals[{self.index}] ({self.change_type} {self.aspect or ''} on {self.urn})"


def read_body(raw: bytes) -> Any:
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON document")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None


def read_batch(body: Any, field: str) -> list[Mcp]:
    """The MCPs of an `ingestProposal` (`field="proposal"`) or `ingestProposalBatch`
    (`field="proposals"`) body."""
    if not isinstance(body, dict) or field not in body:
        raise BadRequest(f"the body must be a JSON object with {field!r}")
    items = body[field] if field == "proposals" else [body[field]]
    if not isinstance(items, list):
        raise BadRequest("'proposals' must be a list of MCPs")
    return [read_mcp(i, item) for i, item in enumerate(items)]


def read_mcp(index: int, obj: Any) -> Mcp:
    where = f"proposals[{index}]"
    if not isinstance(obj, dict):
        raise BadRequest(f"{where}: an MCP must be a JSON object")
    raw_urn = obj.get("entityUrn")
    if not isinstance(raw_urn, str):
        raise BadRequest(f"{where}.entityUrn: required, a URN string")
    try:
        urn = Urn.parse(raw_urn)
    except MlgraphError as exc:
        raise BadRequest(f"{where}.entityUrn: {exc.message}") from None
    entity_type = obj.get("entityType", urn.entity_type)
    if entity_type != urn.entity_type:
        raise BadRequest(
            f"{where}.entityType: {entity_type!r} does not match the URN's type {urn.entity_type!r}"
        )
    change = obj.get("changeType", "UPSERT")
    if change not in CHANGE_TYPES:
        raise BadRequest(
            f"{where}.changeType: {change!r} is not a change type; use one of "
            f"{', '.join(sorted(CHANGE_TYPES))}"
        )
    aspect = obj.get("aspectName")
    if aspect is not None and not (isinstance(aspect, str) and aspect.isidentifier()):
        raise BadRequest(f"{where}.aspectName: must be an aspect name")
    if aspect is None and change != "CREATE_ENTITY":
        raise BadRequest(f"{where}.aspectName: required for {change}")
    value = _value(obj, change, f"{where}.aspect")
    if change in WRITE_TYPES and not isinstance(value, dict):
        raise BadRequest(f"{where}.aspect.value: {change} needs a JSON object")
    meta = obj.get("systemMetadata")
    run_id = meta.get("runId") if isinstance(meta, dict) else None
    return Mcp(
        index,
        raw_urn,
        urn.entity_type,
        change,
        aspect,
        unions_to_wire(value),
        run_id if isinstance(run_id, str) and run_id != NO_RUN_ID else None,
    )


def _value(obj: dict[str, Any], change: str, where: str) -> Any:
    generic = obj.get("aspect")
    if generic is None:
        if change in WRITE_TYPES or change == "PATCH":
            raise BadRequest(f"{where}: required for {change}")
        return None
    if not isinstance(generic, dict) or "value" not in generic:
        raise BadRequest(f"{where}: must be {{'value': <JSON text>, 'contentType': ...}}")
    content_type = generic.get("contentType", "application/json")
    if content_type not in CONTENT_TYPES:
        raise BadRequest(f"{where}.contentType: {content_type!r} is not JSON")
    text = generic["value"]
    if isinstance(text, dict | list):  # some tools send it decoded
        return text
    if not isinstance(text, str):
        raise BadRequest(f"{where}.value: must be the aspect as a JSON string")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{where}.value: not valid JSON: {exc}") from None
