"""The Alembic migrations build exactly the tables the code declares."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mlgraph.runtime import Services
from mlgraph.store.schema import metadata

# Full-text machinery is dialect-specific DDL made by the migration, not declared tables:
# SQLite's FTS5 tables and search_docs' generated `entity_type` they index; on
# PostgreSQL, search_docs' stored tsvector `words` with its GIN index, and the write
# order `seq` with its btree.
_FTS = ("search_fts", "ix_search_docs_words", "ix_search_docs_seq")


def _declared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if (
        type_ == "column"
        and name in ("words", "seq", "entity_type")
        and obj.table.name == "search_docs"
    ):
        return False
    return not (name or "").startswith(_FTS)


def test_migrated_database_matches_the_declared_schema(services: Services) -> None:
    with services.engines.write.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": _declared})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_upgrading_twice_is_harmless(services: Services) -> None:
    from mlgraph.store.migrate import upgrade

    upgrade(services.engines.write)
    assert services.entities.counts() == {}
