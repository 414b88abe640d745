"""Static files: served from the package only, and the vendored libraries are the
pinned, licensed files the vendor README lists."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi.testclient import TestClient

from mlgraph.ui.static import ROOT

VENDOR = ROOT / "vendor"


def _pins() -> list[tuple[str, str, str]]:
    """(file, licence file, sha256) rows of the vendor README's table."""
    rows = []
    for line in (VENDOR / "README.md").read_text().splitlines():
        m = re.match(r"\| [\w.]+ \| [\d.]+ \| (\S+) .*\| MIT, (\S+) \| ([0-9a-f]{64}) \|", line)
        if m:
            rows.append((m.group(1), m.group(2), m.group(3)))
    return rows


def test_vendored_libraries_match_their_pins_and_carry_licences() -> None:
    pins = _pins()
    assert {Path(p).parent.name for p, _, _ in pins} == {
        d.name for d in VENDOR.iterdir() if d.is_dir()
    }
    for path, licence, digest in pins:
        assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == digest, path
        assert "Permission is hereby granted" in (VENDOR / licence).read_text()


def test_templates_load_the_pinned_files() -> None:
    templates = ROOT.parent / "templates"
    used = set(
        re.findall(
            r'src="/static/(vendor/[^"]+)"',
            "".join(t.read_text() for t in templates.glob("*.html")),
        )
    )
    assert used == {f"vendor/{path}" for path, _, _ in _pins()}


def test_static_files_and_nothing_else(client: TestClient) -> None:
    r = client.get("/static/js/lineage.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/vendor/cytoscape-3.30.4/LICENSE").status_code == 200
    for bad in (
        "/static/..%2F__init__.py",
        "/static/%2e%2e/templating.py",
        "/static/js",
        "/static/nope.js",
    ):
        assert client.get(bad).status_code == 404, bad
