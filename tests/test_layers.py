"""The package's floors: storage never reaches up into the layers built on it, and the
SDK (a client others install) loads no database or web-server code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mlgraph

PACKAGE = Path(mlgraph.__file__).parent
ABOVE_STORE = ("services", "api", "ui", "graphql", "integrations", "sdk", "cli", "runtime", "app")


def _package(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])


def _imports(path: Path, package: str) -> list[str]:
    """Every module a file imports, relative imports resolved against `package`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def _reaches_up(module: str) -> bool:
    return any(
        module == f"mlgraph.{top}" or module.startswith(f"mlgraph.{top}.") for top in ABOVE_STORE
    )


def test_the_store_imports_nothing_built_on_it() -> None:
    files = sorted((PACKAGE / "store").rglob("*.py"))
    assert len(files) > 10
    offending = {
        str(f.relative_to(PACKAGE)): sorted({m for m in _imports(f, _package(f)) if _reaches_up(m)})
        for f in files
    }
    assert {f: m for f, m in offending.items() if m} == {}


def test_the_import_check_sees_every_form_of_import(tmp_path: Path) -> None:
    # The walk above must not miss an import by its spelling.
    fake = tmp_path / "probe.py"
    source = (
        "import mlgraph.runtime\n"
        "from mlgraph.services import search\n"
        "from ..api import schemas\n"
        "from .. import ui\n"
        "def f():\n    from mlgraph.sdk.types import WriteResult\n"
    )
    fake.write_text(source, encoding="utf-8")
    found = [m for m in _imports(fake, "mlgraph.store") if _reaches_up(m)]
    assert {m.split(".")[1] for m in found} == {"runtime", "services", "api", "ui", "sdk"}


def test_importing_the_sdk_loads_no_database_or_server_code() -> None:
    probe = (
        "import sys, mlgraph.sdk\n"
        "print(','.join(m for m in ('sqlalchemy', 'fastapi', 'starlette', 'alembic', "
        "'mlgraph.store', 'mlgraph.services', 'mlgraph.api') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert out.stdout.strip() == ""
