"""The raw proposals this connector sends, and MLflow's small value shapes."""

from __future__ import annotations

from typing import Any

from mlgraph.model.aspects import Aspect
from mlgraph.model.urn import encode_part

Proposal = dict[str, Any]


def upsert(urn: str, aspect: Aspect) -> Proposal:
    """A whole-aspect upsert; built from a schema class so a mistake fails here."""
    value = aspect.model_dump(mode="json", exclude_none=True)
    return {"op": "upsert", "urn": urn, "aspect": aspect.ASPECT_NAME, "value": value}


def kv(items: list[dict[str, Any]] | None) -> dict[str, str]:
    """MLflow's `[{key, value}]` lists as a dict."""
    return {str(i["key"]): str(i.get("value", "")) for i in items or []}


def user_urn(user_id: str | None) -> str:
    name = (user_id or "").strip()
    return f"urn:li:corpuser:{encode_part(name) if name else 'unknown'}"
