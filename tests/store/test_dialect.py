"""The store's bulk statements behave the same on both backends: a key clash raises
SQLAlchemy's IntegrityError (the write service retries on it), an update reports the
rows it changed, and `select_in` reads rows by key."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from mlgraph.runtime import Services
from mlgraph.store.dialect import bulk_insert, bulk_update, select_in
from mlgraph.store.schema import entities


def row(urn: str) -> dict[str, object]:
    return {
        "urn": urn,
        "entity_type": "dataset",
        "platform": None,
        "name": urn.rsplit(":", 1)[-1],
        "env": None,
        "removed": False,
        "created_at": 1,
        "updated_at": 1,
    }


def test_a_key_clash_in_a_bulk_insert_raises_integrity_error(services: Services) -> None:
    with pytest.raises(IntegrityError), services.engines.writing() as conn:
        bulk_insert(conn, entities, [row("urn:li:x:a"), row("urn:li:x:a")])
    with services.engines.reading() as conn:  # and nothing of the batch was kept
        assert list(select_in(conn, entities, "urn", ["urn:li:x:a"])) == []


def test_bulk_update_counts_the_rows_it_changed(services: Services) -> None:
    with services.engines.writing() as conn:
        bulk_insert(conn, entities, [row("urn:li:x:a"), row("urn:li:x:b")])
    with services.engines.writing() as conn:
        changed = bulk_update(
            conn,
            entities,
            [("urn:li:x:a", 5), ("urn:li:x:b", 5), ("urn:li:x:missing", 5)],
            match=("urn",),
            values=("updated_at",),
        )
    assert changed == 2
    with services.engines.reading() as conn:
        found = select_in(
            conn,
            entities,
            "urn",
            ["urn:li:x:a", "urn:li:x:b", "urn:li:x:c"],
            columns=["urn", "updated_at"],
        )
        assert sorted((r.urn, r.updated_at) for r in found) == [
            ("urn:li:x:a", 5),
            ("urn:li:x:b", 5),
        ]


def test_sessions_carry_the_settings_mlgraph_chose(services: Services) -> None:
    """Every pooled connection: on SQLite, write-ahead logging with NORMAL sync and an
    8 MiB page cache (the writer's is larger); on
    PostgreSQL, no JIT compilation, which costs more than mlgraph's short lookups save
    (see `prepare_postgres_connection`)."""
    with services.engines.reading() as a, services.engines.reading() as b:
        for conn in (a, b):
            if services.engines.is_sqlite:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -8192
            else:
                assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    if services.engines.is_sqlite:
        # The one writer holds more of the indexes it changes (64 MiB).
        with services.engines.writing() as w:
            assert w.exec_driver_sql("PRAGMA cache_size").scalar_one() == -65536
