"""Rendering: one Jinja2 environment (autoescaping every template), the filters the
templates share, and the HTML error page every view falls back to."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, ParamSpec
from urllib.parse import quote, urlencode

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

from mlgraph import __version__
from mlgraph.errors import MlgraphError
from mlgraph.model.display import type_label
from mlgraph.model.registry import parse_urn
from mlgraph.ui.forms import current

# Scripts only from our own /static (the vendored libraries included): a value that
# slipped past escaping still could not run. Data for scripts travels as JSON in
# <script type="application/json">, which is not executed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def quote_urn(urn: str) -> str:
    """A URN as one path segment: `/` (as in `/predict v2.1`) and spaces encoded."""
    return quote(urn, safe=":,()")


def entity_url(urn: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/entity/{quote_urn(urn)}" + (f"?{query}" if query else "")


def lineage_url(urn: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/lineage/{quote_urn(urn)}" + (f"?{query}" if query else "")


def short_name(urn: Any) -> str:
    """The readable part of a URN: a dataset's name, a tag's name, a column's field."""
    if not isinstance(urn, str):
        return str(urn)
    try:
        parsed, spec, key = parse_urn(urn)
    except MlgraphError:
        return urn
    if spec.name == "schemaField":
        return f"{short_name(parsed.parts[0])}.{parsed.parts[1]}"
    return key.name


def when(ms: Any) -> str:
    """Epoch milliseconds as a UTC timestamp."""
    if not isinstance(ms, int | float):
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def humanize(key: str) -> str:
    """camelCase aspect fields as words: `outOfScopeUses` -> `Out of scope uses`."""
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in key).replace("_", " ").strip()
    return out[:1].upper() + out[1:]


def is_urn(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("urn:li:")


@cache
def environment() -> Environment:
    """Built on first use (not at import) and shared: templates are immutable."""
    env = Environment(
        loader=PackageLoader("mlgraph.ui", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        entity_url=entity_url,
        lineage_url=lineage_url,
        short=short_name,
        when=when,
        humanize=humanize,
        quote_urn=quote_urn,
        type_label=type_label,
    )
    env.tests["urn"] = is_urn
    env.globals["version"] = __version__
    return env


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """`template` with `context`, and `page`: who views it and their forms' CSRF token."""
    html = environment().get_template(template).render(page=current(), **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def error_page(exc: MlgraphError) -> HTMLResponse:
    return render("error.html", status=exc.status, title=exc.code, error=exc)


P = ParamSpec("P")


def html_errors(view: Callable[P, HTMLResponse]) -> Callable[P, HTMLResponse]:
    """Pages answer a domain error (unknown URN, bad filter) with an HTML page carrying
    the same status the API would, not with the API's JSON body."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HTMLResponse:
        try:
            return view(*args, **kwargs)
        except MlgraphError as exc:
            return error_page(exc)

    return wrapper
