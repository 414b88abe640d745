"""Generated documents stay in step with the code that generates them."""

from pathlib import Path

import pytest

from mlgraph.docs import generated

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("name", sorted(generated()))
def test_committed_generated_docs_match_the_code(name: str) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == generated()[name], f"docs/{name} is stale: run `make docs`"


def test_every_route_has_a_stable_operation_id_and_error_shape() -> None:
    import json

    spec = json.loads(generated()["openapi.json"])
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert "apply_proposals" in ids and "get_entity" in ids
    assert "ErrorOut" in spec["components"]["schemas"]


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_the_code_a_page_names_exists(page: str) -> None:
    """A path in backticks (`mlgraph/services/policies.py`, `tests/...`) is a file or
    folder of this checkout, so a page cannot go on citing code that moved."""
    import re

    root = DOCS.parent
    text = (DOCS / page).read_text(encoding="utf-8")
    cited = set(re.findall(r"`((?:mlgraph|tests|bench|docs)/[\w./-]+)`", text))
    missing = sorted(c for c in cited if not (root / c.rstrip("/")).exists())
    assert missing == [], f"docs/{page} names code that is not there: {missing}"
