"""Small builders shared by tests (URNs and aspect bodies)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
RUN = "urn:li:dataProcessInstance:run-1"
DATASET = "urn:li:dataset:(urn:li:dataPlatform:snowflake,orders,PROD)"


def path(urn: str, *rest: str) -> str:
    tail = "/".join(rest)
    return f"/api/v1/entities/{quote(urn, safe='')}" + (f"/{tail}" if tail else "")


def model_urn(name: str) -> str:
    return f"urn:li:mlModel:(urn:li:dataPlatform:mlflow,{name},PROD)"


def upsert(urn: str, aspect: str, value: dict, **extra: object) -> dict:
    return {"op": "upsert", "urn": urn, "aspect": aspect, "value": value, **extra}


def page_csrf(client: Any, page: str = "/") -> str:
    """The CSRF token a UI page gives its forms (as a browser would find it)."""
    html = client.get(page).text
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert found, f"{page} carries no CSRF token"
    return found.group(1)
