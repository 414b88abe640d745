"""`mlgraph users password`: an admin gives an account (the demo's people, say) a
password on the catalog's database; the old one stops working."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgraph.cli.main import cli
from mlgraph.config import Settings
from mlgraph.errors import Unauthorized
from mlgraph.runtime import build_services

NEW = "a brand new long password"


def test_users_password_sets_a_password(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="test", auth="on")
    services = build_services(settings)
    try:
        services.identity.create_user("rzeng", None, ["editor"])
    finally:
        services.close()
    env = {"MLGRAPH_DATA_DIR": str(tmp_path)}
    done = CliRunner().invoke(
        cli, ["users", "password", "rzeng", "--password-stdin"], input=NEW + "\n", env=env
    )
    assert done.exit_code == 0, done.output
    assert "password set for urn:li:corpuser:rzeng" in done.output
    short = CliRunner().invoke(
        cli, ["users", "password", "rzeng", "--password-stdin"], input="short\n", env=env
    )
    assert short.exit_code != 0 and "at least 12" in short.output

    services = build_services(settings)
    try:
        assert services.identity.by_password("rzeng", NEW).urn == "urn:li:corpuser:rzeng"
        with pytest.raises(Unauthorized):
            services.identity.by_password("rzeng", "short")
    finally:
        services.close()
