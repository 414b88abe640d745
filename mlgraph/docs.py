"""Documents generated from code: the OpenAPI description and the data-model page.
Tests compare the committed copies with these, so the docs cannot drift."""

from __future__ import annotations

from pathlib import Path

import orjson

from mlgraph.app import create_app
from mlgraph.config import Settings
from mlgraph.model.describe import render_markdown


def openapi_json() -> str:
    app = create_app(Settings(environment="test", auto_migrate=False))
    return (
        orjson.dumps(app.openapi(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
        + "\n"
    )


def generated() -> dict[str, str]:
    return {"openapi.json": openapi_json(), "data-model.md": render_markdown() + "\n"}


def write_generated(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated().items():
        target = out / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
