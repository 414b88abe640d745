"""The Alembic migrations build exactly the tables the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mlgraph.runtime import Services
from mlgraph.store.schema import metadata


def test_migrated_database_matches_the_declared_schema(services: Services) -> None:
    with services.engines.write.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrading_twice_is_harmless(services: Services) -> None:
    from mlgraph.store.migrate import upgrade

    upgrade(services.engines.write)
    assert services.entities.counts() == {}
