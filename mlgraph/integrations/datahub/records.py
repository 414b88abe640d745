"""How DataHub writes mlgraph's records on the wire: key aspects built from URNs, union
member names, and the envelopes its read endpoints answer with."""

from __future__ import annotations

from typing import Any

from mlgraph.integrations.datahub.record_names import record_name
from mlgraph.model.registry import EntitySpec
from mlgraph.model.urn import Urn
from mlgraph.services.entities import AspectView

_OLD_PREFIX = "com.linkedin.pegasus2avro."
_PREFIX = "com.linkedin."
NO_RUN_ID = "no-run-id-provided"


def key_aspect(spec: EntitySpec, urn: Urn) -> dict[str, str]:
    """The entity's key aspect (e.g. mlModelKey), which DataHub derives from the URN."""
    return {part.name: value for part, value in zip(spec.key, urn.parts, strict=True)}


def unions_to_wire(value: Any) -> Any:
    """Union members are keyed by their record's FQN (`{"com.linkedin.schema.NumberType":
    {}}`). Old clients and Avro tooling write `com.linkedin.pegasus2avro.*`; DataHub's
    server, and so mlgraph, keep the `com.linkedin.*` form."""
    if isinstance(value, dict):
        return {
            (_PREFIX + k[len(_OLD_PREFIX) :] if k.startswith(_OLD_PREFIX) else k): unions_to_wire(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [unions_to_wire(v) for v in value]
    return value


def system_metadata(view: AspectView | None) -> dict[str, Any]:
    run_id = (view.run_id if view else None) or NO_RUN_ID
    return {
        "lastObserved": view.created_at if view else 0,
        "runId": run_id,
        "lastRunId": run_id,
        "properties": {"writer": "mlgraph"},
    }


def aspect_response(aspect: str, value: dict[str, Any], version: int) -> dict[str, Any]:
    """`GET /aspects/{urn}`: the value sits under its record's FQN."""
    return {"aspect": {record_name(aspect): value}, "version": version}


def entity_aspect(name: str, value: dict[str, Any], view: AspectView | None) -> dict[str, Any]:
    """One aspect of a `GET /entitiesV2/{urn}` answer (version 0 is always the latest)."""
    return {
        "name": name,
        "type": "VERSIONED",
        "version": 0,
        "value": value,
        "created": {
            "time": view.created_at if view else 0,
            "actor": view.actor if view else "urn:li:corpuser:__datahub_system",
        },
        "systemMetadata": system_metadata(view),
    }


def error_body(status: int, message: str) -> dict[str, Any]:
    """DataHub's (Rest.li's) error JSON; its clients print `message`."""
    return {
        "exceptionClass": "com.linkedin.restli.server.RestLiServiceException",
        "message": message,
        "status": status,
    }
