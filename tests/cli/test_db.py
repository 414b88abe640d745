from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from mlgraph.cli.main import cli


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "revision head" in result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'mlgraph.db'}")
    try:
        assert {"entities", "aspects", "aspect_history", "edges"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
