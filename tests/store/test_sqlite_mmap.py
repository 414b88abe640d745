"""SQLite connections map the database file only from the configured size on
(`sqlite_mmap_from_mib`): `PRAGMA mmap_size` says what each connection does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from mlgraph.config import Settings
from mlgraph.runtime import Services, build_services


@contextmanager
def serving(tmp_path: Path, **settings: object) -> Iterator[Services]:
    services = build_services(Settings(environment="test", data_dir=tmp_path, **settings))
    try:
        yield services
    finally:
        services.close()


def mapped(services: Services) -> tuple[int, int]:
    """mmap_size of a read connection and of the write connection."""
    with services.engines.reading() as conn:
        read = conn.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    with services.engines.writing() as conn:
        write = conn.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    return read, write


def test_a_small_database_is_not_mapped_by_default(tmp_path: Path) -> None:
    assert Settings().sqlite_mmap_from_mib == 256
    with serving(tmp_path) as services:
        assert mapped(services) == (0, 0)


def test_from_zero_every_connection_maps_the_file(tmp_path: Path) -> None:
    with serving(tmp_path, sqlite_mmap_from_mib=0) as services:
        read, write = mapped(services)
    # SQLite caps the 4 GiB asked for at its build's maximum (2 GiB here)
    assert read == write >= 1 << 30


def test_minus_one_never_maps(tmp_path: Path) -> None:
    with serving(tmp_path, sqlite_mmap_from_mib=-1) as services:
        assert mapped(services) == (0, 0)


def test_a_database_that_grows_past_the_size_gets_mapped(tmp_path: Path) -> None:
    with serving(tmp_path, sqlite_mmap_from_mib=1) as services:
        db = tmp_path / "mlgraph.db"
        assert db.stat().st_size < 1 << 20
        assert mapped(services) == (0, 0)
        with services.engines.writing() as conn:
            conn.execute(text("CREATE TABLE filler (x TEXT)"))
            conn.execute(text("INSERT INTO filler VALUES (:x)"), [{"x": "x" * 4000}] * 600)
        with services.engines.write.connect() as conn:  # copy the WAL into the file
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert db.stat().st_size >= 1 << 20
        read, write = mapped(services)
        assert read == write > 0
